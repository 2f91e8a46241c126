using System.Buffers.Binary;
using System.Text;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;

namespace DiMaskDino.Pipeline.Tests.Fixtures;

/// <summary>
/// The awkward files a real folder holds, each built for real: ImageSharp's encoders where they can write the case,
/// bytes where they cannot (a PNG header declaring 100000×100000, a CMYK JPEG; the same constructions as
/// DiMaskDino.Inference.Tests' TestImages).
/// </summary>
public static class BadImages
{
    /// <summary>Writes every case into <paramref name="folder"/>; returns file name → expected (width, height) for the
    /// ones that must be labeled, and the names that must fail.</summary>
    public static (IReadOnlyDictionary<string, (int Width, int Height)> Good, IReadOnlyList<string> Bad) WriteAll(string folder)
    {
        void Put(string name, byte[] bytes) => File.WriteAllBytes(Path.Combine(folder, name), bytes);

        Put("empty.jpg", []);
        using (var photo = Pattern(40, 30))
        {
            var jpeg = Encode(photo, new JpegEncoder { Quality = 90 });
            Put("truncated.jpg", jpeg[..(jpeg.Length / 2)]);
        }

        Put("text.jpg", Encoding.UTF8.GetBytes("this is a text file, not a JPEG\n"));
        Put("huge-header.png", PngHeaderOnly(100_000, 100_000));
        Put("cmyk.jpg", FlatCmykJpeg(10, 200, 30, 0));
        using (var deep = new Image<Rgb48>(12, 10, new Rgb48(65535, 32896, 0)))
        {
            Put("16-bit.png", Encode(deep, new PngEncoder { BitDepth = PngBitDepth.Bit16, ColorType = PngColorType.Rgb }));
        }

        using (var grey = new Image<L8>(14, 9, new L8(77)))
        {
            Put("grey.png", Encode(grey, new PngEncoder { ColorType = PngColorType.Grayscale }));
        }

        using (var rotated = Pattern(40, 20))
        {
            rotated.Metadata.ExifProfile = new ExifProfile();
            rotated.Metadata.ExifProfile.SetValue(ExifTag.Orientation, (ushort)6);
            Put("exif-rotated.jpg", Encode(rotated, new JpegEncoder { Quality = 90 }));
        }

        using (var animated = Pattern(16, 12))
        {
            using var second = new Image<Rgba32>(16, 12, new Rgba32(255, 0, 0));
            animated.Frames.AddFrame(second.Frames.RootFrame);
            Put("animated.gif", Encode(animated, new GifEncoder()));
        }

        using (var spaced = Pattern(20, 20))
        {
            Put("name with spaces ü 日本.png", Encode(spaced, new PngEncoder()));
        }

        var good = new Dictionary<string, (int, int)>
        {
            ["cmyk.jpg"] = (8, 8),
            ["16-bit.png"] = (12, 10),
            ["grey.png"] = (14, 9),
            ["exif-rotated.jpg"] = (20, 40), // displayed size: orientation 6 swaps width and height
            ["animated.gif"] = (16, 12),
            ["name with spaces ü 日本.png"] = (20, 20),
        };
        return (good, ["empty.jpg", "huge-header.png", "text.jpg", "truncated.jpg"]);
    }

    private static Image<Rgba32> Pattern(int width, int height)
    {
        var image = new Image<Rgba32>(width, height);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                image[x, y] = new Rgba32((byte)(6 * x), (byte)(9 * y), 200);
            }
        }

        return image;
    }

    private static byte[] Encode(Image image, IImageEncoder encoder)
    {
        using var stream = new MemoryStream();
        image.Save(stream, encoder);
        return stream.ToArray();
    }

    /// <summary>PNG signature + an IHDR chunk (8-bit RGB) with a correct CRC, and no pixel data.</summary>
    private static byte[] PngHeaderOnly(int width, int height)
    {
        var bytes = new List<byte> { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A };
        var chunk = new byte[4 + 13];
        Encoding.ASCII.GetBytes("IHDR").CopyTo(chunk, 0);
        BinaryPrimitives.WriteInt32BigEndian(chunk.AsSpan(4), width);
        BinaryPrimitives.WriteInt32BigEndian(chunk.AsSpan(8), height);
        chunk[12] = 8;
        chunk[13] = 2;
        var length = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, 13);
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(chunk));
        bytes.AddRange(length);
        bytes.AddRange(chunk);
        bytes.AddRange(crc);
        return [.. bytes];
    }

    /// <summary>An 8×8 baseline JPEG with four flat components and an Adobe APP14 marker (transform 0): CMYK as Photoshop writes it.</summary>
    private static byte[] FlatCmykJpeg(params int[] samples)
    {
        var bytes = new List<byte> { 0xFF, 0xD8 };
        void Segment(byte marker, params byte[] payload)
        {
            bytes.AddRange([0xFF, marker, (byte)((payload.Length + 2) >> 8), (byte)(payload.Length + 2)]);
            bytes.AddRange(payload);
        }

        Segment(0xEE, [(byte)'A', (byte)'d', (byte)'o', (byte)'b', (byte)'e', 0, 100, 0, 0, 0, 0, 0]);
        Segment(0xDB, [0x00, .. Enumerable.Repeat((byte)8, 64)]);
        Segment(0xC0, [8, 0, 8, 0, 8, 4, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0, 4, 0x11, 0]);
        byte[] dcCounts = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
        Segment(0xC4, [0x00, .. dcCounts, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
        Segment(0xC4, [0x10, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00]);
        Segment(0xDA, [4, 1, 0x00, 2, 0x00, 3, 0x00, 4, 0x00, 0, 63, 0]);

        var dcCodes = new (int Code, int Length)[12];
        int code = 0, symbol = 0;
        for (var length = 1; length <= 16; length++)
        {
            for (var n = 0; n < dcCounts[length - 1]; n++)
            {
                dcCodes[symbol++] = (code++, length);
            }

            code <<= 1;
        }

        var bits = new List<bool>();
        void Put(int value, int count)
        {
            for (var b = count - 1; b >= 0; b--)
            {
                bits.Add(((value >> b) & 1) != 0);
            }
        }

        foreach (var sample in samples)
        {
            var diff = sample - 128;
            var category = diff == 0 ? 0 : 32 - int.LeadingZeroCount(Math.Abs(diff));
            Put(dcCodes[category].Code, dcCodes[category].Length);
            Put(diff >= 0 ? diff : diff + (1 << category) - 1, category);
            Put(0, 1);
        }

        while (bits.Count % 8 != 0)
        {
            bits.Add(true);
        }

        for (var i = 0; i < bits.Count; i += 8)
        {
            byte b = 0;
            for (var k = 0; k < 8; k++)
            {
                b = (byte)((b << 1) | (bits[i + k] ? 1 : 0));
            }

            bytes.Add(b);
            if (b == 0xFF)
            {
                bytes.Add(0x00);
            }
        }

        bytes.AddRange([0xFF, 0xD9]);
        return [.. bytes];
    }

    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFF;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
            }
        }

        return ~crc;
    }
}
