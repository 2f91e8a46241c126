using System.Text;

namespace DiMaskDino.Contracts.Models;

/// <summary>
/// Reads an ONNX file's <c>metadata_props</c> (ModelProto field 14, repeated StringStringEntryProto {1: key, 2: value})
/// straight from the protobuf, without ONNX Runtime and without reading the graph: top-level fields are walked and
/// every other length-delimited field (the graph, field 7, holds nearly all the bytes) is skipped by seeking when the
/// stream can seek (a blob stream then fetches only the ranges it needs). For the control plane, which checks a
/// model before it spends a GPU on it.
/// </summary>
public static class OnnxMetadataReader
{
    private const int MetadataPropsField = 14;
    private const int MaxEntryLength = 16 * 1024 * 1024;

    /// <exception cref="InvalidDataException">the bytes are not a protobuf message (not an ONNX model)</exception>
    public static async Task<Dictionary<string, string>> ReadAsync(Stream stream, string modelName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var reader = new Reader(stream, modelName);
        var props = new Dictionary<string, string>(StringComparer.Ordinal);
        while (await reader.TryReadVarintAsync(cancellationToken) is { } tag)
        {
            var (field, wireType) = ((int)(tag >> 3), (int)(tag & 7));
            switch (wireType)
            {
                case 0:
                    _ = await reader.TryReadVarintAsync(cancellationToken) ?? throw reader.Truncated();
                    break;
                case 1:
                    await reader.SkipAsync(8, cancellationToken);
                    break;
                case 5:
                    await reader.SkipAsync(4, cancellationToken);
                    break;
                case 2:
                    var length = await reader.TryReadVarintAsync(cancellationToken) ?? throw reader.Truncated();
                    if (field == MetadataPropsField)
                    {
                        if (length > MaxEntryLength)
                        {
                            throw reader.Invalid($"a metadata entry of {length} bytes");
                        }

                        var (key, value) = Entry(await reader.ReadBytesAsync((int)length, cancellationToken), reader);
                        props[key] = value;
                    }
                    else
                    {
                        await reader.SkipAsync((long)length, cancellationToken);
                    }

                    break;
                default:
                    throw reader.Invalid($"wire type {wireType} of field {field}");
            }
        }

        return props;
    }

    private static (string Key, string Value) Entry(byte[] bytes, Reader reader)
    {
        string key = "", value = "";
        var position = 0;
        while (position < bytes.Length)
        {
            var tag = Varint(bytes, ref position, reader);
            var length = (int)Varint(bytes, ref position, reader);
            if ((tag & 7) != 2 || length < 0 || position + length > bytes.Length)
            {
                throw reader.Invalid("a malformed metadata entry");
            }

            var text = Encoding.UTF8.GetString(bytes, position, length);
            position += length;
            (key, value) = (tag >> 3) switch
            {
                1 => (text, value),
                2 => (key, text),
                _ => (key, value),
            };
        }

        return (key, value);
    }

    private static ulong Varint(byte[] bytes, ref int position, Reader reader)
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (position >= bytes.Length)
            {
                throw reader.Invalid("a truncated metadata entry");
            }

            var b = bytes[position++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }

        throw reader.Invalid("a varint longer than 10 bytes");
    }

    /// <summary>Buffered forward reader over the stream that seeks over skipped bytes where it can.</summary>
    private sealed class Reader(Stream stream, string modelName)
    {
        private readonly byte[] _buffer = new byte[64 * 1024];
        private int _offset;
        private int _count;

        public async Task<ulong?> TryReadVarintAsync(CancellationToken cancellationToken)
        {
            ulong result = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                if (_offset == _count && !await FillAsync(cancellationToken))
                {
                    return shift == 0 ? null : throw Truncated();
                }

                var b = _buffer[_offset++];
                result |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return result;
                }
            }

            throw Invalid("a varint longer than 10 bytes");
        }

        public async Task<byte[]> ReadBytesAsync(int length, CancellationToken cancellationToken)
        {
            var bytes = new byte[length];
            var done = 0;
            while (done < length)
            {
                if (_offset == _count && !await FillAsync(cancellationToken))
                {
                    throw Truncated();
                }

                var n = Math.Min(length - done, _count - _offset);
                Array.Copy(_buffer, _offset, bytes, done, n);
                (_offset, done) = (_offset + n, done + n);
            }

            return bytes;
        }

        public async Task SkipAsync(long length, CancellationToken cancellationToken)
        {
            var buffered = _count - _offset;
            if (length <= buffered)
            {
                _offset += (int)length;
                return;
            }

            length -= buffered;
            (_offset, _count) = (0, 0);
            if (stream.CanSeek)
            {
                if (stream.Position + length > stream.Length)
                {
                    throw Truncated();
                }

                stream.Seek(length, SeekOrigin.Current);
                return;
            }

            while (length > 0)
            {
                var n = await stream.ReadAsync(_buffer.AsMemory(0, (int)Math.Min(_buffer.Length, length)), cancellationToken);
                if (n == 0)
                {
                    throw Truncated();
                }

                length -= n;
            }
        }

        public InvalidDataException Truncated() => new($"{modelName} is not an ONNX model: the protobuf ends in the middle of a field");

        public InvalidDataException Invalid(string what) => new($"{modelName} is not an ONNX model: {what}");

        private async Task<bool> FillAsync(CancellationToken cancellationToken)
        {
            _count = await stream.ReadAsync(_buffer, cancellationToken);
            _offset = 0;
            return _count > 0;
        }
    }
}
