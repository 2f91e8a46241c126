// ONNX TensorProto initializers from plain arrays (raw little-endian data), for OnnxGraphBuilder.

using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace DiMaskDino.Model.Export;

internal static class TensorProtos
{
    public static TensorProto Float(string name, float[] values, long[] dims) =>
        Make(name, TensorProto.Types.DataType.Float, dims, MemoryMarshal.AsBytes(values.AsSpan()));

    public static TensorProto Double(string name, double[] values, long[] dims) =>
        Make(name, TensorProto.Types.DataType.Double, dims, MemoryMarshal.AsBytes(values.AsSpan()));

    public static TensorProto Float16(string name, Half[] values, long[] dims) =>
        Make(name, TensorProto.Types.DataType.Float16, dims, MemoryMarshal.AsBytes(values.AsSpan()));

    public static TensorProto Int8(string name, sbyte[] values, long[] dims) =>
        Make(name, TensorProto.Types.DataType.Int8, dims, MemoryMarshal.AsBytes(values.AsSpan()));

    public static TensorProto Int64(string name, long[] values, long[] dims) =>
        Make(name, TensorProto.Types.DataType.Int64, dims, MemoryMarshal.AsBytes(values.AsSpan()));

    public static TensorProto Bool(string name, bool[] values, long[] dims) =>
        Make(name, TensorProto.Types.DataType.Bool, dims, [.. values.Select(v => v ? (byte)1 : (byte)0)]);

    private static TensorProto Make(string name, TensorProto.Types.DataType type, long[] dims, ReadOnlySpan<byte> raw) => new()
    {
        Name = name,
        DataType = (int)type,
        Dims = { dims },
        RawData = ByteString.CopyFrom(raw),
    };
}
