using System.Text;
using DiMaskDino.TestSupport;
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
/// bytes where they cannot (a PNG header declaring 100000×100000, a CMYK JPEG: <see cref="TestImages"/>).
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
            var jpeg = TestImages.Encode(photo, new JpegEncoder { Quality = 90 });
            Put("truncated.jpg", jpeg[..(jpeg.Length / 2)]);
        }

        Put("text.jpg", Encoding.UTF8.GetBytes("this is a text file, not a JPEG\n"));
        Put("huge-header.png", TestImages.PngHeaderOnly(100_000, 100_000));
        Put("cmyk.jpg", TestImages.FlatCmykJpeg(10, 200, 30, 0));
        using (var deep = new Image<Rgb48>(12, 10, new Rgb48(65535, 32896, 0)))
        {
            Put("16-bit.png", TestImages.Encode(deep, new PngEncoder { BitDepth = PngBitDepth.Bit16, ColorType = PngColorType.Rgb }));
        }

        using (var grey = new Image<L8>(14, 9, new L8(77)))
        {
            Put("grey.png", TestImages.Encode(grey, new PngEncoder { ColorType = PngColorType.Grayscale }));
        }

        using (var rotated = Pattern(40, 20))
        {
            rotated.Metadata.ExifProfile = new ExifProfile();
            rotated.Metadata.ExifProfile.SetValue(ExifTag.Orientation, (ushort)6);
            Put("exif-rotated.jpg", TestImages.Encode(rotated, new JpegEncoder { Quality = 90 }));
        }

        using (var animated = Pattern(16, 12))
        {
            using var second = new Image<Rgba32>(16, 12, new Rgba32(255, 0, 0));
            animated.Frames.AddFrame(second.Frames.RootFrame);
            Put("animated.gif", TestImages.Encode(animated, new GifEncoder()));
        }

        using (var spaced = Pattern(20, 20))
        {
            Put("name with spaces ü 日本.png", TestImages.Encode(spaced, new PngEncoder()));
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
}
