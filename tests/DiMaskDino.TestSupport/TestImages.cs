using System.Buffers.Binary;
using System.Text;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.PixelFormats;

namespace DiMaskDino.TestSupport;

/// <summary>Small images written with ImageSharp's encoders, and a hand-made PNG header.</summary>
public static class TestImages
{
    /// <summary>A pattern whose pixel (x, y) is (10x, 10y, 200) for sizes up to 25.</summary>
    public static Image<Rgb24> Pattern(int width, int height)
    {
        var image = new Image<Rgb24>(width, height);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                image[x, y] = new Rgb24((byte)(10 * x), (byte)(10 * y), 200);
            }
        }

        return image;
    }

    public static byte[] Encode(Image image, IImageEncoder encoder)
    {
        using var stream = new MemoryStream();
        image.Save(stream, encoder);
        return stream.ToArray();
    }

    /// <summary>PNG signature + an IHDR chunk (8-bit RGB) with a correct CRC, and nothing else: no pixel data.</summary>
    public static byte[] PngHeaderOnly(int width, int height)
    {
        var bytes = new List<byte> { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A };
        var chunk = new byte[4 + 13];
        Encoding.ASCII.GetBytes("IHDR").CopyTo(chunk, 0);
        BinaryPrimitives.WriteInt32BigEndian(chunk.AsSpan(4), width);
        BinaryPrimitives.WriteInt32BigEndian(chunk.AsSpan(8), height);
        chunk[12] = 8;  // bit depth
        chunk[13] = 2;  // colour type RGB
        var length = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, 13);
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(chunk));
        bytes.AddRange(length);
        bytes.AddRange(chunk);
        bytes.AddRange(crc);
        return [.. bytes];
    }

    /// <summary>
    /// A decompression bomb: a complete, valid 8-bit greyscale PNG of <paramref name="width"/>×<paramref name="height"/>
    /// black pixels, whose zlib stream of zeros is about a thousandth of the decoded size.
    /// </summary>
    public static byte[] PngBomb(int width, int height)
    {
        using var file = new MemoryStream();
        file.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8;  // bit depth
        header[9] = 0;  // colour type greyscale
        WriteChunk(file, "IHDR", header);
        using (var pixels = new MemoryStream())
        {
            using (var zlib = new System.IO.Compression.ZLibStream(pixels, System.IO.Compression.CompressionLevel.SmallestSize, leaveOpen: true))
            {
                var row = new byte[width + 1];  // filter byte 0, then the row
                for (var y = 0; y < height; y++)
                {
                    zlib.Write(row);
                }
            }

            WriteChunk(file, "IDAT", pixels.ToArray());
        }

        WriteChunk(file, "IEND", []);
        return file.ToArray();
    }

    private static void WriteChunk(Stream file, string type, byte[] data)
    {
        var chunk = new byte[4 + data.Length];
        Encoding.ASCII.GetBytes(type).CopyTo(chunk, 0);
        data.CopyTo(chunk, 4);
        var number = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(number, data.Length);
        file.Write(number);
        file.Write(chunk);
        BinaryPrimitives.WriteUInt32BigEndian(number, Crc32(chunk));
        file.Write(number);
    }

    /// <summary>
    /// A hand-made 8×8 baseline JPEG with four components and an Adobe APP14 marker with transform 0, i.e. a CMYK JPEG
    /// as Photoshop writes them (ImageSharp 2.1's encoder cannot write CMYK). Each component is flat: only a DC
    /// coefficient, so every sample of component i is <paramref name="samples"/>[i] (0..255, as stored).
    /// </summary>
    public static byte[] FlatCmykJpeg(params int[] samples)
    {
        var bytes = new List<byte> { 0xFF, 0xD8 };
        void Segment(byte marker, params byte[] payload)
        {
            bytes.AddRange([0xFF, marker, (byte)((payload.Length + 2) >> 8), (byte)(payload.Length + 2)]);
            bytes.AddRange(payload);
        }

        Segment(0xEE, [(byte)'A', (byte)'d', (byte)'o', (byte)'b', (byte)'e', 0, 100, 0, 0, 0, 0, 0]);  // transform 0: no colour transform
        Segment(0xDB, [0x00, .. Enumerable.Repeat((byte)8, 64)]);                                        // quantiser 8: sample = DC diff + 128
        Segment(0xC0, [8, 0, 8, 0, 8, 4, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0, 4, 0x11, 0]);
        byte[] dcCounts = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];                               // the standard luminance DC table
        Segment(0xC4, [0x00, .. dcCounts, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
        Segment(0xC4, [0x10, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00]);                        // AC: only EOB, code "0"
        Segment(0xDA, [4, 1, 0x00, 2, 0x00, 3, 0x00, 4, 0x00, 0, 63, 0]);

        // Canonical Huffman codes of the DC table (JPEG Annex C).
        var dcCodes = new (int Code, int Length)[12];
        int code = 0, symbol = 0;
        for (int length = 1; length <= 16; length++)
        {
            for (int n = 0; n < dcCounts[length - 1]; n++)
            {
                dcCodes[symbol++] = (code++, length);
            }

            code <<= 1;
        }

        var bits = new List<bool>();
        void Put(int value, int count)
        {
            for (int b = count - 1; b >= 0; b--)
            {
                bits.Add(((value >> b) & 1) != 0);
            }
        }

        foreach (int sample in samples)
        {
            int diff = sample - 128;
            int category = diff == 0 ? 0 : 32 - int.LeadingZeroCount(Math.Abs(diff));
            Put(dcCodes[category].Code, dcCodes[category].Length);
            Put(diff >= 0 ? diff : diff + (1 << category) - 1, category);
            Put(0, 1);  // EOB
        }

        while (bits.Count % 8 != 0)
        {
            bits.Add(true);
        }

        for (int i = 0; i < bits.Count; i += 8)
        {
            byte b = 0;
            for (int k = 0; k < 8; k++)
            {
                b = (byte)((b << 1) | (bits[i + k] ? 1 : 0));
            }

            bytes.Add(b);
            if (b == 0xFF)
            {
                bytes.Add(0x00);  // byte stuffing
            }
        }

        bytes.AddRange([0xFF, 0xD9]);
        return [.. bytes];
    }

    // The PNG CRC-32 (ISO 3309, polynomial 0xEDB88320), bit by bit.
    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
            }
        }

        return ~crc;
    }
}
