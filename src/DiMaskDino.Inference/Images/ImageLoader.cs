// Image bytes → upright planar float RGB with ImageSharp 2.1, guarded against decompression bombs.

using System.Runtime.InteropServices;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace DiMaskDino.Inference.Images;

/// <summary>
/// Decodes JPEG (baseline, progressive, grey, CMYK/YCCK), PNG (1–16 bit, grey, palette, alpha), BMP, GIF (first
/// frame), WebP and TIFF into a <see cref="DecodedImage"/>, applying the EXIF orientation.
/// </summary>
/// <remarks>
/// <para>Errors: every unusable image ends in an <see cref="ImageRejectedException"/> whose
/// <see cref="ImageRejectedException.Reason"/> and one-line message say why (empty, unknown format, too large,
/// corrupt or truncated, unsupported). Other exceptions mean a bug or an I/O failure of the stream itself.
/// ImageSharp 2.1 decodes JPEG, WebP and BMP files cut short inside their pixel data without an error, so those are
/// checked against their own markers/headers first (<see cref="TruncationCheck"/>); a truncated GIF still decodes.</para>
/// <para>Pixel limit: the header is read first with <c>Image.Identify</c>, which allocates no pixel buffers, and an
/// image declaring more than <see cref="MaxPixels"/> pixels is rejected before decoding.</para>
/// <para>Colour: pixels are converted to 8-bit RGB by ImageSharp (16-bit samples are scaled to 8 bits, grey is
/// replicated, palettes expanded, CMYK/YCCK converted). Alpha is dropped, not composited: the colour of a transparent
/// pixel is kept as stored. This is what the training path (<c>Image.Load&lt;Rgb24&gt;</c>) and detectron2's
/// <c>read_image</c> (PIL <c>convert("RGB")</c>) do, so the model sees the same pixels in training and inference.</para>
/// <para>Frames: only the first frame of an animated GIF or a multi-page TIFF is kept (the decoder still reads the
/// others; the pixel limit is checked on the first frame's size). Thread-safe.</para>
/// </remarks>
public sealed class ImageLoader
{
    /// <summary>Default pixel limit: 40 megapixels (e.g. 8000×5000), 480 MB as planar float RGB.</summary>
    public const long DefaultMaxPixels = 40_000_000;

    private readonly Configuration _configuration;

    public ImageLoader(long maxPixels = DefaultMaxPixels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxPixels);
        MaxPixels = maxPixels;
        _configuration = Configuration.Default;
    }

    /// <summary>The largest accepted width × height (before orientation; the product is the same after it).</summary>
    public long MaxPixels { get; }

    /// <summary>Decodes an image held in memory.</summary>
    /// <exception cref="ImageRejectedException">The bytes are not a usable image; the message says why.</exception>
    public DecodedImage Load(ReadOnlyMemory<byte> bytes)
    {
        using var stream = MemoryMarshal.TryGetArray(bytes, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(bytes.ToArray(), writable: false);
        return LoadSeekable(stream);
    }

    /// <summary>Decodes an image from a stream, read from its current position; a non-seekable stream is buffered.</summary>
    /// <exception cref="ImageRejectedException">The stream does not hold a usable image; the message says why.</exception>
    public DecodedImage Load(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (stream.CanSeek)
        {
            return LoadSeekable(stream);
        }

        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        buffer.Position = 0;
        return LoadSeekable(buffer);
    }

    /// <summary>Reads the image's header only: format and size as stored (before orientation).</summary>
    /// <exception cref="ImageRejectedException">Empty, unknown format, damaged header, or over <see cref="MaxPixels"/>.</exception>
    public (string Format, int Width, int Height) Identify(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (stream.CanSeek && stream.Length - stream.Position == 0)
        {
            throw new ImageRejectedException(ImageRejectionReason.Empty, "The image file is empty (0 bytes).");
        }

        IImageInfo? info;
        IImageFormat? format;
        try
        {
            info = Image.Identify(_configuration, stream, out format);
        }
        catch (Exception e) when (IsDecoderFailure(e))
        {
            throw Rejection(e, "reading the header");
        }

        if (info is null || format is null)
        {
            throw UnknownFormat();
        }

        long pixels = (long)info.Width * info.Height;
        if (info.Width <= 0 || info.Height <= 0)
        {
            throw new ImageRejectedException(
                ImageRejectionReason.Corrupt, $"The {format.Name} header declares an empty size {info.Width}x{info.Height}.");
        }

        if (pixels > MaxPixels)
        {
            throw new ImageRejectedException(
                ImageRejectionReason.TooLarge,
                $"The {format.Name} image is {info.Width}x{info.Height} = {pixels:N0} pixels, over the limit of {MaxPixels:N0} pixels.");
        }

        return (format.Name, info.Width, info.Height);
    }

    private DecodedImage LoadSeekable(Stream stream)
    {
        long start = stream.Position;
        var (formatName, _, _) = Identify(stream);
        if (TruncationCheck.Describe(formatName, stream, start) is { } truncated)
        {
            throw new ImageRejectedException(ImageRejectionReason.Corrupt, truncated);
        }

        stream.Position = start;

        Image<Rgb24> image;
        try
        {
            image = Image.Load<Rgb24>(_configuration, stream);
        }
        catch (Exception e) when (IsDecoderFailure(e))
        {
            throw Rejection(e, "decoding");
        }

        using (image)
        {
            while (image.Frames.Count > 1)
            {
                image.Frames.RemoveFrame(image.Frames.Count - 1);
            }

            image.Mutate(x => x.AutoOrient());
            return new DecodedImage(image.Height, image.Width, ToPlanar(image), formatName);
        }
    }

    private static float[] ToPlanar(Image<Rgb24> image)
    {
        int height = image.Height, width = image.Width, plane = height * width;
        var pixels = new float[3 * plane];
        image.ProcessPixelRows(accessor =>
        {
            for (int y = 0; y < height; y++)
            {
                ReadOnlySpan<Rgb24> row = accessor.GetRowSpan(y);
                Span<float> r = pixels.AsSpan(y * width, width);
                Span<float> g = pixels.AsSpan(plane + y * width, width);
                Span<float> b = pixels.AsSpan(2 * plane + y * width, width);
                for (int x = 0; x < row.Length; x++)
                {
                    r[x] = row[x].R;
                    g[x] = row[x].G;
                    b[x] = row[x].B;
                }
            }
        });
        return pixels;
    }

    // ImageSharp reports damaged input through these; EndOfStream/IndexOutOfRange/Argument cover decoders that run
    // off the end of a truncated buffer without a format exception of their own.
    private static bool IsDecoderFailure(Exception e) =>
        e is ImageFormatException or NotSupportedException or InvalidMemoryOperationException or EndOfStreamException
            or IndexOutOfRangeException or ArgumentException or InvalidOperationException;

    private static ImageRejectedException UnknownFormat() => new(
        ImageRejectionReason.UnknownFormat,
        "The file is not an image in a supported format (JPEG, PNG, BMP, GIF, WebP, TIFF, TGA, PBM).");

    private static ImageRejectedException Rejection(Exception e, string stage) => e switch
    {
        UnknownImageFormatException => UnknownFormat(),
        NotSupportedException => new(ImageRejectionReason.Unsupported, $"The image uses an unsupported feature ({stage}): {e.Message}", e),
        InvalidMemoryOperationException => new(ImageRejectionReason.TooLarge, $"The image is too large to decode ({stage}): {e.Message}", e),
        _ => new(ImageRejectionReason.Corrupt, $"The image is damaged or truncated ({stage}): {e.Message}", e),
    };
}
