// The model's input (model.md §1.1, §1.5): resize keeping the aspect ratio into a fixed canvas, pad bottom/right,
// reorder channels, normalise.

using System.Buffers;
using DiMaskDino.Contracts.Models;

namespace DiMaskDino.Inference.Images;

/// <summary>
/// Turns a <see cref="DecodedImage"/> into the model's <c>[3, H, W]</c> float32 input and the
/// <see cref="LetterboxGeometry"/> that maps predictions back.
/// </summary>
/// <remarks>
/// <para>Resampling is PIL-style BILINEAR (a triangle filter widened when shrinking, see <see cref="ResampleTaps"/>),
/// the filter the training letterbox uses, computed on float pixels. ImageSharp 2.1's <c>Resize</c> would default to
/// <c>KnownResamplers.Bicubic</c>; its <c>KnownResamplers.Triangle</c> is the same kind of widened bilinear filter,
/// but it writes back into 8-bit pixels (rounding) and does not share the training code's coefficients, so it is
/// not used here.</para>
/// <para><see cref="Mean"/>, <see cref="Std"/> and <see cref="PadValue"/> are given in the model's channel order
/// (<see cref="Order"/>), in 0..255 pixel units; the pad is applied before normalisation, so a pad equal to the mean
/// gives model.md §1.1's zero padding. Thread-safe; no per-pixel allocation.</para>
/// </remarks>
public sealed class Letterbox : IInputTransform
{
    private readonly float[] _mean;
    private readonly float[] _std;
    private readonly float[] _pad;

    /// <param name="canvasHeight">Model input height H (from the model's metadata).</param>
    /// <param name="canvasWidth">Model input width W.</param>
    /// <param name="order">Channel order of the model input.</param>
    /// <param name="mean">Three means, in <paramref name="order"/>, 0..255 units.</param>
    /// <param name="std">Three standard deviations, in <paramref name="order"/>, 0..255 units, all positive.</param>
    /// <param name="padValue">Three pad values before normalisation, in <paramref name="order"/>; null pads with the mean (zero after normalisation).</param>
    public Letterbox(int canvasHeight, int canvasWidth, ChannelOrder order, ReadOnlySpan<float> mean, ReadOnlySpan<float> std, float[]? padValue = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(canvasHeight);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(canvasWidth);
        if (mean.Length != 3 || std.Length != 3 || padValue is { Length: not 3 })
        {
            throw new ArgumentException("Mean, std and pad value need exactly three channels each.");
        }

        foreach (float s in std)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(s, nameof(std));
        }

        CanvasHeight = canvasHeight;
        CanvasWidth = canvasWidth;
        Order = order;
        _mean = mean.ToArray();
        _std = std.ToArray();
        _pad = padValue is null ? mean.ToArray() : (float[])padValue.Clone();
    }

    public int CanvasHeight { get; }

    public int CanvasWidth { get; }

    public ChannelOrder Order { get; }

    public IReadOnlyList<float> Mean => _mean;

    public IReadOnlyList<float> Std => _std;

    public IReadOnlyList<float> PadValue => _pad;

    /// <summary>Number of floats of one model input: 3·H·W.</summary>
    public int InputLength => 3 * CanvasHeight * CanvasWidth;

    /// <summary>Where an image of this size lands on the canvas.</summary>
    public LetterboxGeometry Fit(int originalHeight, int originalWidth) =>
        LetterboxGeometry.Fit(CanvasHeight, CanvasWidth, originalHeight, originalWidth);

    /// <summary>Writes the normalised model input for <paramref name="image"/> into <paramref name="destination"/>.</summary>
    /// <param name="destination">[3, H, W] float32 in <see cref="Order"/>; exactly <see cref="InputLength"/> long.</param>
    public LetterboxGeometry Apply(DecodedImage image, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (destination.Length != InputLength)
        {
            throw new ArgumentException($"The destination has {destination.Length} floats; a 3x{CanvasHeight}x{CanvasWidth} input needs {InputLength}.", nameof(destination));
        }

        var geometry = Fit(image.Height, image.Width);
        int h = geometry.ResizedHeight, w = geometry.ResizedWidth, canvasPlane = CanvasHeight * CanvasWidth;
        var rows = new ResampleTaps(image.Height, h);
        var cols = new ResampleTaps(image.Width, w);

        // Horizontal pass over every source row into [srcH, w], then the vertical pass into the canvas.
        float[] horizontal = ArrayPool<float>.Shared.Rent(image.Height * w);
        try
        {
            for (int c = 0; c < 3; c++)
            {
                int source = Order == ChannelOrder.Rgb ? c : 2 - c;
                ReadOnlySpan<float> plane = image.Plane(source);
                for (int y = 0; y < image.Height; y++)
                {
                    ReadOnlySpan<float> row = plane.Slice(y * image.Width, image.Width);
                    Span<float> dst = horizontal.AsSpan(y * w, w);
                    for (int x = 0; x < w; x++)
                    {
                        dst[x] = cols.Apply(x, row, 1);
                    }
                }

                float mean = _mean[c], std = _std[c], pad = (_pad[c] - mean) / std;
                Span<float> output = destination.Slice(c * canvasPlane, canvasPlane);
                ReadOnlySpan<float> resized = horizontal.AsSpan(0, image.Height * w);
                for (int y = 0; y < h; y++)
                {
                    Span<float> outRow = output.Slice(y * CanvasWidth, CanvasWidth);
                    for (int x = 0; x < w; x++)
                    {
                        outRow[x] = (rows.Apply(y, resized[x..], w) - mean) / std;
                    }

                    outRow[w..].Fill(pad);
                }

                output[(h * CanvasWidth)..].Fill(pad);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(horizontal);
        }

        return geometry;
    }
}
