using System.Buffers.Binary;

namespace DiMaskDino.Inference.Images;

/// <summary>
/// Detects files cut short inside their pixel data, which ImageSharp 2.1 decodes without complaint for JPEG, WebP
/// and BMP (the missing part comes out grey or black). PNG and TIFF truncation already fails in the decoder. GIF is
/// not checked: a missing trailer byte is common in files browsers show fine.
/// </summary>
internal static class TruncationCheck
{
    private const int ChunkSize = 64 * 1024;

    /// <summary>Why the image is truncated, or null when it looks complete.</summary>
    /// <param name="format">ImageSharp's format name.</param>
    /// <param name="stream">Seekable; its position is left unspecified.</param>
    /// <param name="start">Where the image begins in the stream.</param>
    public static string? Describe(string format, Stream stream, long start)
    {
        long available = stream.Length - start;
        switch (format)
        {
            case "JPEG" when !EndsWithEndOfImage(stream, start):
                return "The JPEG is truncated: it has no end-of-image marker after its last scan.";
            case "Webp":
            {
                // RIFF header: "RIFF", little-endian size of everything after these 8 bytes, "WEBP".
                Span<byte> header = stackalloc byte[8];
                stream.Position = start;
                stream.ReadExactly(header);
                long declared = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]) + 8L;
                return available < declared ? $"The WebP file is truncated: {available:N0} of the {declared:N0} bytes its header declares." : null;
            }

            case "BMP":
            {
                long needed = BmpPixelDataEnd(stream, start);
                return available < needed ? $"The BMP file is truncated: {available:N0} of the {needed:N0} bytes its header implies." : null;
            }

            default:
                return null;
        }
    }

    // Offset + row stride × |height| for uncompressed (BI_RGB, BI_BITFIELDS) bitmaps with an info header of 40+ bytes;
    // 0 (nothing to check) for anything else.
    private static long BmpPixelDataEnd(Stream stream, long start)
    {
        Span<byte> header = stackalloc byte[34];
        stream.Position = start;
        if (stream.Read(header) < header.Length)
        {
            return 0;
        }

        uint offset = BinaryPrimitives.ReadUInt32LittleEndian(header[10..]);
        uint infoSize = BinaryPrimitives.ReadUInt32LittleEndian(header[14..]);
        int width = BinaryPrimitives.ReadInt32LittleEndian(header[18..]);
        int height = BinaryPrimitives.ReadInt32LittleEndian(header[22..]);
        int bitsPerPixel = BinaryPrimitives.ReadUInt16LittleEndian(header[28..]);
        uint compression = BinaryPrimitives.ReadUInt32LittleEndian(header[30..]);
        if (infoSize < 40 || compression is not (0 or 3) || width <= 0 || bitsPerPixel == 0)
        {
            return 0;
        }

        long stride = ((long)bitsPerPixel * width + 31) / 32 * 4;
        return offset + stride * Math.Abs((long)height);
    }

    // A complete JPEG has an EOI marker (FF D9) after its last SOS marker (FF DA); inside scan data every FF byte is
    // followed by 00 or a restart marker, so neither pair occurs there by accident. Scans back from the end, so a
    // complete file costs one small read. Bytes after EOI (some cameras append data) are fine unless they contain FF DA.
    private static bool EndsWithEndOfImage(Stream stream, long start)
    {
        var buffer = new byte[ChunkSize + 1];
        long end = stream.Length;
        byte? following = null;  // the byte just after the current chunk, to see markers split across chunks
        while (end > start)
        {
            int length = (int)Math.Min(ChunkSize, end - start);
            long offset = end - length;
            stream.Position = offset;
            stream.ReadExactly(buffer, 0, length);
            int valid = length;
            if (following is { } next)
            {
                buffer[length] = next;
                valid++;
            }

            for (int i = valid - 2; i >= 0; i--)
            {
                if (buffer[i] == 0xFF)
                {
                    if (buffer[i + 1] == 0xD9)
                    {
                        return true;
                    }

                    if (buffer[i + 1] == 0xDA)
                    {
                        return false;
                    }
                }
            }

            following = buffer[0];
            end = offset;
        }

        return false;
    }
}
