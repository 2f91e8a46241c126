// The official test-time input (detectron2 ResizeShortestEdge + ImageList padding, as DI-MaskDINO and MaskDINO run
// it): resize the 8-bit image so its short side is 800 and its long side at most 1333, normalise, zero-pad bottom/right
// to a multiple of 32. Each image gets its own canvas.

using System.Buffers;
using DiMaskDino.Contracts.Models;

namespace DiMaskDino.Inference.Images;

/// <summary>
/// Turns a <see cref="DecodedImage"/> into the official model input: 8-bit RGB resized with Pillow's bilinear filter
/// (<see cref="PillowBilinear"/>) to <see cref="TargetSize"/>, normalised in float32 as (u8 − mean) / std in the
/// model's channel order, then zero-padded at the bottom and right to multiples of <see cref="SizeDivisibility"/>.
/// The geometry's canvas is that padded size.
/// </summary>
/// <remarks>
/// <para>The normalisation is a true division, not a multiplication by 1/std, and the padding is added after it, so
/// the result equals the official pipeline's tensor bit for bit. <see cref="Mean"/> and <see cref="Std"/> are in the
/// model's channel order (<see cref="Order"/>), 0..255 units. Thread-safe.</para>
/// </remarks>
public sealed class ResizeShortestEdge : IInputTransform
{
    /// <summary>detectron2's COCO test size: the short side becomes 800 ...</summary>
    public const int DefaultShortEdge = 800;

    /// <summary>... unless the long side would exceed 1333.</summary>
    public const int DefaultMaxSize = 1333;

    /// <summary>The backbone's total stride; the canvas is padded to a multiple of it.</summary>
    public const int DefaultSizeDivisibility = ModelMetadata.DefaultSizeDivisibility;

    private readonly float[] _mean;
    private readonly float[] _std;

    /// <param name="shortEdge">Target length of the shorter side.</param>
    /// <param name="maxSize">Largest allowed length of the longer side.</param>
    /// <param name="order">Channel order of the model input.</param>
    /// <param name="mean">Three means, in <paramref name="order"/>, 0..255 units.</param>
    /// <param name="std">Three standard deviations, in <paramref name="order"/>, all positive.</param>
    /// <param name="sizeDivisibility">The canvas is padded to multiples of this.</param>
    public ResizeShortestEdge(int shortEdge, int maxSize, ChannelOrder order, ReadOnlySpan<float> mean, ReadOnlySpan<float> std, int sizeDivisibility = DefaultSizeDivisibility)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shortEdge);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSize, shortEdge);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sizeDivisibility);
        if (mean.Length != 3 || std.Length != 3)
        {
            throw new ArgumentException("Mean and std need exactly three channels each.");
        }

        foreach (float s in std)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(s, nameof(std));
        }

        ShortEdge = shortEdge;
        MaxSize = maxSize;
        SizeDivisibility = sizeDivisibility;
        Order = order;
        _mean = mean.ToArray();
        _std = std.ToArray();
    }

    public int ShortEdge { get; }

    public int MaxSize { get; }

    public int SizeDivisibility { get; }

    public ChannelOrder Order { get; }

    public IReadOnlyList<float> Mean => _mean;

    public IReadOnlyList<float> Std => _std;

    /// <summary>
    /// detectron2's <c>ResizeShortestEdge.get_output_shape</c>, in double: scale the short side to
    /// <paramref name="shortEdge"/>; if the long side then exceeds <paramref name="maxSize"/>, scale both down so it
    /// equals it; round each side as <c>int(x + 0.5)</c>. E.g. 201×303 → 800×1206, 100×400 → 333×1333.
    /// </summary>
    public static (int Height, int Width) TargetSize(int height, int width, int shortEdge, int maxSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shortEdge);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxSize);
        double scale = shortEdge * 1.0 / Math.Min(height, width);
        double newHeight, newWidth;
        if (height < width)
        {
            (newHeight, newWidth) = (shortEdge, scale * width);
        }
        else
        {
            (newHeight, newWidth) = (scale * height, shortEdge);
        }

        if (Math.Max(newHeight, newWidth) > maxSize)
        {
            double shrink = maxSize * 1.0 / Math.Max(newHeight, newWidth);
            newHeight *= shrink;
            newWidth *= shrink;
        }

        // Python's int() truncates toward zero; every value here is positive. A side never rounds to 0.
        return (Math.Max((int)(newHeight + 0.5), 1), Math.Max((int)(newWidth + 0.5), 1));
    }

    /// <summary>The resized size and its padded canvas for an image of this size.</summary>
    public LetterboxGeometry Fit(int originalHeight, int originalWidth)
    {
        var (height, width) = TargetSize(originalHeight, originalWidth, ShortEdge, MaxSize);
        return new LetterboxGeometry(PadTo(height), PadTo(width), height, width, originalHeight, originalWidth);
    }

    /// <summary>Number of floats of the input of an image with this geometry: 3 × its canvas.</summary>
    public static int InputLength(LetterboxGeometry geometry) => checked(3 * geometry.CanvasHeight * geometry.CanvasWidth);

    /// <summary>The resized 8-bit RGB planes <c>[3, h, w]</c> of <paramref name="image"/> (what PIL's resize returns), and its geometry.</summary>
    public (byte[] Pixels, LetterboxGeometry Geometry) Resize(DecodedImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var geometry = Fit(image.Height, image.Width);
        byte[] source = ArrayPool<byte>.Shared.Rent(image.Pixels.Length);
        try
        {
            for (int i = 0; i < image.Pixels.Length; i++)
            {
                source[i] = (byte)image.Pixels[i];
            }

            byte[] resized = PillowBilinear.Resize(
                source.AsSpan(0, image.Pixels.Length), 3, image.Height, image.Width, geometry.ResizedHeight, geometry.ResizedWidth);
            return (resized, geometry);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(source);
        }
    }

    /// <inheritdoc/>
    public LetterboxGeometry Apply(DecodedImage image, Span<float> destination)
    {
        var (pixels, geometry) = Resize(image);
        int length = InputLength(geometry);
        if (destination.Length != length)
        {
            throw new ArgumentException(
                $"The destination has {destination.Length} floats; the 3x{geometry.CanvasHeight}x{geometry.CanvasWidth} input of a {image.Height}x{image.Width} image needs {length}.",
                nameof(destination));
        }

        int h = geometry.ResizedHeight, w = geometry.ResizedWidth, canvasWidth = geometry.CanvasWidth;
        int canvasPlane = geometry.CanvasHeight * canvasWidth;
        destination.Clear();
        for (int c = 0; c < 3; c++)
        {
            int source = Order == ChannelOrder.Rgb ? c : 2 - c;
            ReadOnlySpan<byte> plane = pixels.AsSpan(source * h * w, h * w);
            Span<float> output = destination.Slice(c * canvasPlane, canvasPlane);
            float mean = _mean[c], std = _std[c];
            for (int y = 0; y < h; y++)
            {
                ReadOnlySpan<byte> row = plane.Slice(y * w, w);
                Span<float> outRow = output.Slice(y * canvasWidth, w);
                for (int x = 0; x < w; x++)
                {
                    outRow[x] = (row[x] - mean) / std;
                }
            }
        }

        return geometry;
    }

    private int PadTo(int size) => checked((size + SizeDivisibility - 1) / SizeDivisibility * SizeDivisibility);
}
