// Draws predictions onto the image they were made for, pixel by pixel (ImageSharp 2.1 core only: no drawing library).

using System.Globalization;
using DiMaskDino.Coco.Masks;
using DiMaskDino.Contracts.Models;
using DiMaskDino.Inference.Images;
using DiMaskDino.Inference.PostProcessing;
using DiMaskDino.Inference.Runtime;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace DiMaskDino.Inference.Overlays;

/// <summary>
/// Renders an overlay: each instance's mask tinted with its class colour (alpha <see cref="MaskOpacity"/>), its box
/// as a <see cref="BoxThickness"/>-pixel outline, and a label "class 0.87" in <see cref="BitmapFont"/> on a filled
/// class-coloured background above the box (inside it when the box touches the top edge). Instances are drawn
/// lowest score first, so the best ones end on top. Thread-safe.
/// </summary>
public sealed class OverlayRenderer
{
    public const float MaskOpacity = 0.45f;
    public const int BoxThickness = 2;

    private readonly IReadOnlyList<ModelClass> _classes;

    /// <param name="classes">The model's classes in logit order (names for the labels).</param>
    public OverlayRenderer(IReadOnlyList<ModelClass> classes)
    {
        ArgumentNullException.ThrowIfNull(classes);
        _classes = classes;
    }

    /// <summary>The label text of <paramref name="instance"/>: class name and score with two decimals.</summary>
    public string Label(InstancePrediction instance) =>
        $"{_classes[instance.ClassIndex].Name} {instance.Score.ToString("0.00", CultureInfo.InvariantCulture)}";

    /// <summary>Font scale for an image: 1 up to 400 pixels on the short side, then one more per 400.</summary>
    public static int LabelScale(int width, int height) => Math.Max(1, Math.Min(width, height) / 400 + 1);

    /// <param name="image">The decoded image the instances were predicted on (same size as their masks).</param>
    /// <param name="instances">Predictions at the image's size.</param>
    public Image<Rgb24> Render(DecodedImage image, IReadOnlyList<InstancePrediction> instances)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(instances);
        int width = image.Width, height = image.Height;
        var canvas = new Canvas(width, height);
        ReadOnlySpan<float> r = image.Plane(0), g = image.Plane(1), b = image.Plane(2);
        for (int i = 0; i < width * height; i++)
        {
            canvas.Pixels[i] = new Rgb24(ToByte(r[i]), ToByte(g[i]), ToByte(b[i]));
        }

        var ordered = instances.OrderBy(x => x.Score).ToList();
        foreach (var instance in ordered)
        {
            if (instance.Mask.Height != height || instance.Mask.Width != width)
            {
                throw new ArgumentException(
                    $"an instance mask is {instance.Mask.Width}x{instance.Mask.Height}, the image {width}x{height}", nameof(instances));
            }

            Tint(canvas, instance.Mask, ClassPalette.For(instance.ClassIndex));
        }

        foreach (var instance in ordered)
        {
            Outline(canvas, instance, ClassPalette.For(instance.ClassIndex));
        }

        int scale = LabelScale(width, height);
        foreach (var instance in ordered)
        {
            DrawLabel(canvas, instance, scale);
        }

        return Image.LoadPixelData<Rgb24>(canvas.Pixels, width, height);
    }

    private static byte ToByte(float value) => (byte)Math.Clamp(MathF.Round(value), 0f, 255f);

    /// <summary>Blends <paramref name="colour"/> into every foreground pixel; the RLE runs are column-major.</summary>
    private static void Tint(Canvas canvas, RleMask mask, Rgb24 colour)
    {
        var counts = mask.Counts;
        long position = 0;
        for (int run = 0; run < counts.Length; run++)
        {
            long end = position + counts[run];
            if (run % 2 == 1)
            {
                for (long p = position; p < end; p++)
                {
                    int x = (int)(p / canvas.Height), y = (int)(p % canvas.Height);
                    ref var pixel = ref canvas.Pixels[y * canvas.Width + x];
                    pixel = new Rgb24(Blend(pixel.R, colour.R), Blend(pixel.G, colour.G), Blend(pixel.B, colour.B));
                }
            }

            position = end;
        }

        static byte Blend(byte under, byte over) => (byte)MathF.Round(under + MaskOpacity * (over - under));
    }

    private static void Outline(Canvas canvas, InstancePrediction instance, Rgb24 colour)
    {
        var (left, top, right, bottom) = PixelBox(instance, canvas);
        if (left > right || top > bottom)
        {
            return;
        }

        for (int t = 0; t < BoxThickness; t++)
        {
            for (int x = left; x <= right; x++)
            {
                canvas.Set(x, top + t, colour);
                canvas.Set(x, bottom - t, colour);
            }

            for (int y = top; y <= bottom; y++)
            {
                canvas.Set(left + t, y, colour);
                canvas.Set(right - t, y, colour);
            }
        }
    }

    private void DrawLabel(Canvas canvas, InstancePrediction instance, int scale)
    {
        var (left, top, _, _) = PixelBox(instance, canvas);
        var text = Label(instance);
        int pad = scale, labelWidth = BitmapFont.MeasureWidth(text, scale) + 2 * pad, labelHeight = BitmapFont.GlyphHeight * scale + 2 * pad;
        int labelTop = top - labelHeight >= 0 ? top - labelHeight : Math.Max(0, top);
        int labelLeft = Math.Clamp(left, 0, Math.Max(0, canvas.Width - labelWidth));
        var background = ClassPalette.For(instance.ClassIndex);
        for (int y = labelTop; y < labelTop + labelHeight; y++)
        {
            for (int x = labelLeft; x < labelLeft + labelWidth; x++)
            {
                canvas.Set(x, y, background);
            }
        }

        var ink = ClassPalette.TextOn(background);
        BitmapFont.Draw(text, labelLeft + pad, labelTop + pad, scale, (x, y) => canvas.Set(x, y, ink));
    }

    /// <summary>The box's pixel rectangle, inclusive, clipped to the image (empty when outside it).</summary>
    private static (int Left, int Top, int Right, int Bottom) PixelBox(InstancePrediction instance, Canvas canvas)
    {
        var box = instance.Box;
        int left = (int)Math.Floor(Math.Max(0, box.X));
        int top = (int)Math.Floor(Math.Max(0, box.Y));
        int right = (int)Math.Ceiling(Math.Min(canvas.Width, box.X + box.Width)) - 1;
        int bottom = (int)Math.Ceiling(Math.Min(canvas.Height, box.Y + box.Height)) - 1;
        return (left, top, right, bottom);
    }

    private sealed class Canvas(int width, int height)
    {
        public int Width { get; } = width;

        public int Height { get; } = height;

        public Rgb24[] Pixels { get; } = new Rgb24[width * height];

        public void Set(int x, int y, Rgb24 colour)
        {
            if ((uint)x < (uint)Width && (uint)y < (uint)Height)
            {
                Pixels[y * Width + x] = colour;
            }
        }
    }
}
