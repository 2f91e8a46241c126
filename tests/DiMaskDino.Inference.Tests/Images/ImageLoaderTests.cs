using System.Diagnostics;
using DiMaskDino.Inference.Images;
using DiMaskDino.TestSupport;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using Xunit.Abstractions;

namespace DiMaskDino.Inference.Tests.Images;

public sealed class ImageLoaderTests
{
    private readonly ImageLoader _loader = new();
    private readonly ITestOutputHelper _output;

    public ImageLoaderTests(ITestOutputHelper output) => _output = output;

    public static TheoryData<string> LosslessFormats => ["png", "bmp", "gif", "webp", "tiff"];

    private static IImageEncoder EncoderFor(string format) => format switch
    {
        "png" => new PngEncoder(),
        "bmp" => new BmpEncoder(),
        "gif" => new GifEncoder(),
        "webp" => new WebpEncoder { FileFormat = WebpFileFormatType.Lossless },
        "tiff" => new TiffEncoder(),
        "jpg" => new JpegEncoder { Quality = 100 },
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    private static (float R, float G, float B) Pixel(DecodedImage image, int x, int y)
    {
        int i = y * image.Width + x, plane = image.Height * image.Width;
        return (image.Pixels[i], image.Pixels[plane + i], image.Pixels[2 * plane + i]);
    }

    [Theory]
    [MemberData(nameof(LosslessFormats))]
    public void Lossless_formats_decode_to_the_exact_size_and_pixels_from_a_file(string format)
    {
        using var folder = new TemporaryDirectory();
        using var source = TestImages.Pattern(7, 5);
        var path = folder.File("image." + format);
        File.WriteAllBytes(path, TestImages.Encode(source, EncoderFor(format)));

        using var stream = File.OpenRead(path);
        var image = _loader.Load(stream);

        Assert.Equal((5, 7), (image.Height, image.Width));
        Assert.Equal(3 * 5 * 7, image.Pixels.Length);
        Assert.Equal((60f, 40f, 200f), Pixel(image, 6, 4));
        Assert.Equal((0f, 0f, 200f), Pixel(image, 0, 0));
    }

    [Fact]
    public void Jpeg_decodes_to_the_right_size_and_approximately_the_right_pixels()
    {
        using var source = new Image<Rgb24>(32, 16, new Rgb24(200, 50, 30));
        var image = _loader.Load(TestImages.Encode(source, new JpegEncoder { Quality = 100 }));

        Assert.Equal((16, 32), (image.Height, image.Width));
        Assert.Equal("JPEG", image.Format);
        var (r, g, b) = Pixel(image, 10, 10);
        Assert.InRange(r, 195, 205);
        Assert.InRange(g, 45, 55);
        Assert.InRange(b, 25, 35);
    }

    [Theory]
    [InlineData("png")]
    [InlineData("jpg")]
    public void Exif_orientation_6_swaps_width_and_height_and_rotates_the_pixels_clockwise(string format)
    {
        // Stored 40 wide × 20 high in four quadrants; orientation 6 means "rotate 90° clockwise to display".
        using var source = new Image<Rgb24>(40, 20);
        var red = new Rgb24(255, 0, 0);
        var green = new Rgb24(0, 255, 0);
        var blue = new Rgb24(0, 0, 255);
        var white = new Rgb24(255, 255, 255);
        for (int y = 0; y < 20; y++)
        {
            for (int x = 0; x < 40; x++)
            {
                source[x, y] = (x < 20, y < 10) switch
                {
                    (true, true) => red,
                    (false, true) => green,
                    (true, false) => blue,
                    (false, false) => white,
                };
            }
        }

        source.Metadata.ExifProfile = new ExifProfile();
        source.Metadata.ExifProfile.SetValue(ExifTag.Orientation, (ushort)6);
        var image = _loader.Load(TestImages.Encode(source, EncoderFor(format)));

        Assert.Equal((40, 20), (image.Height, image.Width));
        AssertNear((255, 0, 0), Pixel(image, 15, 5));        // top-right: stored top-left
        AssertNear((0, 0, 255), Pixel(image, 5, 5));         // top-left: stored bottom-left
        AssertNear((0, 255, 0), Pixel(image, 15, 35));       // bottom-right: stored top-right
        AssertNear((255, 255, 255), Pixel(image, 5, 35));    // bottom-left: stored bottom-right
    }

    // Exact for lossless formats; JPEG (quality 100, flat quadrants sampled at their centre) stays within a few levels.
    private static void AssertNear((float R, float G, float B) expected, (float R, float G, float B) actual)
    {
        Assert.InRange(actual.R, expected.R - 8, expected.R + 8);
        Assert.InRange(actual.G, expected.G - 8, expected.G + 8);
        Assert.InRange(actual.B, expected.B - 8, expected.B + 8);
    }

    [Fact]
    public void Sixteen_bit_png_is_scaled_to_0_255()
    {
        using var source = new Image<Rgb48>(3, 2, new Rgb48(65535, 32896, 0));
        var image = _loader.Load(TestImages.Encode(source, new PngEncoder { BitDepth = PngBitDepth.Bit16, ColorType = PngColorType.Rgb }));

        Assert.Equal((2, 3), (image.Height, image.Width));
        Assert.Equal((255f, 128f, 0f), Pixel(image, 2, 1));
    }

    [Fact]
    public void Grayscale_png_is_replicated_to_three_channels()
    {
        using var source = new Image<L8>(4, 3, new L8(77));
        var image = _loader.Load(TestImages.Encode(source, new PngEncoder { ColorType = PngColorType.Grayscale }));

        Assert.Equal((77f, 77f, 77f), Pixel(image, 3, 2));
    }

    [Fact]
    public void Palette_png_is_expanded()
    {
        using var source = new Image<Rgb24>(4, 3, new Rgb24(0, 128, 255));
        var image = _loader.Load(TestImages.Encode(source, new PngEncoder { ColorType = PngColorType.Palette }));

        Assert.Equal((0f, 128f, 255f), Pixel(image, 1, 1));
    }

    [Fact]
    public void Alpha_is_dropped_keeping_the_stored_colour()
    {
        using var source = new Image<Rgba32>(2, 1);
        source[0, 0] = new Rgba32(10, 20, 30, 0);
        source[1, 0] = new Rgba32(200, 100, 50, 128);
        var image = _loader.Load(TestImages.Encode(source, new PngEncoder { ColorType = PngColorType.RgbWithAlpha }));

        Assert.Equal((10f, 20f, 30f), Pixel(image, 0, 0));
        Assert.Equal((200f, 100f, 50f), Pixel(image, 1, 0));
    }

    [Fact]
    public void Adobe_cmyk_jpeg_is_converted_to_rgb()
    {
        // Stored (inverted, as Adobe writes them) C = 255, M = 128, Y = 0, K = 255: no cyan, half magenta, full
        // yellow, no black, i.e. orange. ImageSharp 2.1's encoder cannot write CMYK, so the file is made by hand.
        var bytes = TestImages.FlatCmykJpeg(255, 128, 0, 255);
        Assert.Equal(4, JpegComponentCount(bytes));

        var image = _loader.Load(bytes);

        Assert.Equal((8, 8), (image.Height, image.Width));
        var (r, g, b) = Pixel(image, 4, 4);
        _output.WriteLine($"CMYK (255, 128, 0, 255) -> RGB ({r}, {g}, {b})");
        Assert.InRange(r, 250, 255);
        Assert.InRange(g, 123, 133);
        Assert.InRange(b, 0, 5);
    }

    [Fact]
    public void Animated_gif_gives_its_first_frame()
    {
        using var source = new Image<Rgba32>(6, 4, new Rgba32(255, 0, 0));
        using var second = new Image<Rgba32>(6, 4, new Rgba32(0, 0, 255));
        source.Frames.AddFrame(second.Frames.RootFrame);
        var image = _loader.Load(TestImages.Encode(source, new GifEncoder()));

        Assert.Equal((4, 6), (image.Height, image.Width));
        Assert.Equal((255f, 0f, 0f), Pixel(image, 3, 2));
    }

    [Fact]
    public void A_png_header_declaring_100000_by_100000_is_rejected_fast_without_allocating()
    {
        var bytes = TestImages.PngHeaderOnly(100_000, 100_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();

        var e = Assert.Throws<ImageRejectedException>(() => _loader.Load(bytes));

        watch.Stop();
        Assert.Equal(ImageRejectionReason.TooLarge, e.Reason);
        _output.WriteLine(e.Message);
        Assert.Contains("100000x100000", e.Message);
        Assert.Contains("40,000,000", e.Message);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocated < 4_000_000, "allocated more than 4 MB");
    }

    [Fact]
    public void The_pixel_limit_is_configurable()
    {
        using var source = TestImages.Pattern(10, 10);
        var bytes = TestImages.Encode(source, new PngEncoder());

        var e = Assert.Throws<ImageRejectedException>(() => new ImageLoader(maxPixels: 99).Load(bytes));
        Assert.Equal(ImageRejectionReason.TooLarge, e.Reason);
        Assert.Equal(10, new ImageLoader(maxPixels: 100).Load(bytes).Width);
    }

    [Fact]
    public void A_zero_byte_file_is_rejected_as_empty()
    {
        using var folder = new TemporaryDirectory();
        File.WriteAllBytes(folder.File("empty.jpg"), []);
        using var stream = File.OpenRead(folder.File("empty.jpg"));

        var e = Assert.Throws<ImageRejectedException>(() => _loader.Load(stream));
        Assert.Equal(ImageRejectionReason.Empty, e.Reason);
        _output.WriteLine(e.Message);
        Assert.Contains("empty", e.Message);
    }

    [Fact]
    public void A_text_file_named_jpg_is_rejected_as_unknown_format()
    {
        using var folder = new TemporaryDirectory();
        File.WriteAllText(folder.File("notes.jpg"), "these are not the pixels you are looking for\n");
        using var stream = File.OpenRead(folder.File("notes.jpg"));

        var e = Assert.Throws<ImageRejectedException>(() => _loader.Load(stream));
        Assert.Equal(ImageRejectionReason.UnknownFormat, e.Reason);
        _output.WriteLine(e.Message);
        Assert.Contains("not an image", e.Message);
    }

    [Fact]
    public void A_truncated_jpeg_is_rejected_as_corrupt()
    {
        using var source = TestImages.Pattern(24, 24);
        var bytes = TestImages.Encode(source, new JpegEncoder { Quality = 90 });

        var e = Assert.Throws<ImageRejectedException>(() => _loader.Load(bytes.AsMemory(0, bytes.Length / 2)));
        Assert.Equal(ImageRejectionReason.Corrupt, e.Reason);
        _output.WriteLine(e.Message);
    }

    [Theory]
    [InlineData("jpg", 0.9)]   // inside the scan data: ImageSharp alone would decode it, grey at the bottom
    [InlineData("jpg", 0.3)]
    [InlineData("webp", 0.7)]  // lossy WebP, also decoded silently by ImageSharp alone
    [InlineData("bmp", 0.9)]   // likewise
    [InlineData("png", 0.7)]
    [InlineData("tiff", 0.7)]
    public void Files_cut_short_are_rejected_as_corrupt(string format, double keep)
    {
        using var source = TestImages.Pattern(25, 25);
        source.Mutate(c => c.Resize(128, 128));
        IImageEncoder encoder = format == "webp" ? new WebpEncoder() : EncoderFor(format);
        var bytes = TestImages.Encode(source, encoder);

        var e = Assert.Throws<ImageRejectedException>(() => _loader.Load(bytes.AsMemory(0, (int)(bytes.Length * keep))));

        Assert.Equal(ImageRejectionReason.Corrupt, e.Reason);
        _output.WriteLine(e.Message);
    }

    [Fact]
    public void Bytes_after_the_jpeg_end_marker_are_accepted()
    {
        using var source = TestImages.Pattern(24, 24);
        byte[] bytes = [.. TestImages.Encode(source, new JpegEncoder { Quality = 90 }), .. "trailing camera data"u8];

        Assert.Equal(24, _loader.Load(bytes).Width);
    }

    [Fact]
    public void A_non_seekable_stream_is_buffered()
    {
        using var source = TestImages.Pattern(7, 5);
        using var stream = new NonSeekableStream(TestImages.Encode(source, new PngEncoder()));

        Assert.Equal(7, _loader.Load(stream).Width);
    }

    // The component count of the first SOF0/SOF1/SOF2 segment: FF Cx, length (2), precision (1), height (2), width (2), Nf (1).
    private static int JpegComponentCount(byte[] jpeg)
    {
        for (int i = 2; i + 9 < jpeg.Length; i++)
        {
            if (jpeg[i] == 0xFF && jpeg[i + 1] is 0xC0 or 0xC1 or 0xC2)
            {
                return jpeg[i + 9];
            }
        }

        return -1;
    }

    private sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
