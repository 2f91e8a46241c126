// Reader for the safetensors files of ../shared/golden/official: an 8-byte little-endian header length, a JSON header
// (name → dtype, shape, data_offsets; "__metadata__" → string values), then the raw little-endian data block.

using System.Buffers.Binary;
using System.Text.Json;

namespace DiMaskDino.TestSupport;

/// <summary>One stored tensor: its shape and values (F32 as <see cref="Floats"/>, I64 as <see cref="Longs"/>).</summary>
public sealed record StoredTensor(string Name, long[] Shape, float[]? Floats, long[]? Longs)
{
    public long Count => Shape.Aggregate(1L, (a, b) => a * b);
}

/// <summary>A whole safetensors file in memory (the golden files are a few MB).</summary>
public sealed class Safetensors
{
    private readonly Dictionary<string, StoredTensor> tensors;

    private Safetensors(Dictionary<string, StoredTensor> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        this.tensors = tensors;
        Metadata = metadata;
    }

    /// <summary>The header's <c>__metadata__</c> (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    public IEnumerable<string> Names => tensors.Keys;

    public StoredTensor this[string name] =>
        tensors.TryGetValue(name, out var t) ? t : throw new KeyNotFoundException($"no tensor \"{name}\" in the safetensors file");

    public bool Contains(string name) => tensors.ContainsKey(name);

    /// <summary>
    /// The stride slice a stored tensor was subsampled with (metadata <c>{"full_shape": [...], "slice": "[:, ::a, ::b, ::b]"}</c>):
    /// the step of every dimension, or null when the tensor is stored complete.
    /// </summary>
    public (long[] FullShape, long[] Steps)? SliceOf(string name)
    {
        if (!Metadata.TryGetValue(name, out var json))
        {
            return null;
        }

        using var doc = JsonDocument.Parse(json);
        var full = doc.RootElement.GetProperty("full_shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        var parts = doc.RootElement.GetProperty("slice").GetString()!.Trim('[', ']').Split(',');
        var steps = parts.Select(p => p.Trim() == ":" ? 1L : long.Parse(p.Trim().TrimStart(':'), System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return (full, steps);
    }

    public static Safetensors Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var headerLength = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(bytes));
        var dataStart = 8 + headerLength;
        using var header = JsonDocument.Parse(bytes.AsMemory(8, headerLength));
        var tensors = new Dictionary<string, StoredTensor>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in header.RootElement.EnumerateObject())
        {
            if (entry.Name == "__metadata__")
            {
                foreach (var m in entry.Value.EnumerateObject())
                {
                    metadata[m.Name] = m.Value.GetString() ?? "";
                }

                continue;
            }

            var dtype = entry.Value.GetProperty("dtype").GetString();
            var shape = entry.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            var offsets = entry.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            var data = bytes.AsSpan(checked((int)(dataStart + offsets[0])), checked((int)(offsets[1] - offsets[0])));
            tensors[entry.Name] = dtype switch
            {
                "F32" => new StoredTensor(entry.Name, shape, ReadFloats(data), null),
                "I64" => new StoredTensor(entry.Name, shape, null, ReadLongs(data)),
                _ => throw new InvalidDataException($"{path}: tensor \"{entry.Name}\" has dtype {dtype}; only F32 and I64 are read"),
            };
        }

        return new Safetensors(tensors, metadata);
    }

    private static float[] ReadFloats(ReadOnlySpan<byte> data)
    {
        var values = new float[data.Length / 4];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(data.Slice(4 * i, 4));
        }

        return values;
    }

    private static long[] ReadLongs(ReadOnlySpan<byte> data)
    {
        var values = new long[data.Length / 8];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadInt64LittleEndian(data.Slice(8 * i, 8));
        }

        return values;
    }
}
