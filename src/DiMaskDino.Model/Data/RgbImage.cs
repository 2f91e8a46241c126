// Managed image and instance containers handed from loader threads to the training thread (model.md §1.1, §1.4;
// style.md tensor rule 4: loader threads hand over managed arrays, tensors are made on the thread that uses them).

using DiMaskDino.Contracts.Models;
using DiMaskDino.Model.Backbone;

namespace DiMaskDino.Model.Data;

/// <summary>
/// An RGB image as planar float32 values on the 0–255 scale: channel c, row y, column x at
/// <c>Pixels[(c * Height + y) * Width + x]</c> — the memory layout of one [3, H, W] tensor.
/// </summary>
public sealed class RgbImage
{
    public RgbImage(int height, int width, float[] pixels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentNullException.ThrowIfNull(pixels);
        if (pixels.Length != 3L * height * width)
        {
            throw new ArgumentException($"an RGB image of {height}x{width} needs {3L * height * width} values, got {pixels.Length}", nameof(pixels));
        }

        Height = height;
        Width = width;
        Pixels = pixels;
    }

    public int Height { get; }

    public int Width { get; }

    /// <summary>[3, H, W] planar RGB, 0–255. Owned by this image; not copied.</summary>
    public float[] Pixels { get; }

    /// <summary>A <paramref name="height"/>×<paramref name="width"/> image filled with <paramref name="color"/>.</summary>
    public static RgbImage Filled(int height, int width, PadColor color)
    {
        var image = new RgbImage(height, width, new float[3 * height * width]);
        var plane = height * width;
        image.Pixels.AsSpan(0, plane).Fill(color.R);
        image.Pixels.AsSpan(plane, plane).Fill(color.G);
        image.Pixels.AsSpan(2 * plane, plane).Fill(color.B);
        return image;
    }

    /// <summary>Pixel value of channel <paramref name="channel"/> (0 R, 1 G, 2 B) at (y, x).</summary>
    public float this[int channel, int y, int x] => Pixels[(channel * Height + y) * Width + x];
}

/// <summary>An RGB fill colour on the 0–255 scale, for padding.</summary>
public readonly record struct PadColor(float R, float G, float B)
{
    /// <summary>Pixel value 128 in every channel: the LSJ pad of model.md §1.3 (before normalisation).</summary>
    public static PadColor Gray128 { get; } = new(128f, 128f, 128f);

    /// <summary>
    /// The colour that <paramref name="normalization"/> maps to 0 (its mean, in RGB order): padding with it equals
    /// model.md §1.1's "pad value 0 after normalisation".
    /// </summary>
    public static PadColor ZeroAfter(PixelNormalization normalization)
    {
        ArgumentNullException.ThrowIfNull(normalization);
        var m = normalization.Mean;
        return normalization.Order == ChannelOrder.Rgb ? new PadColor(m[0], m[1], m[2]) : new PadColor(m[2], m[1], m[0]);
    }
}
