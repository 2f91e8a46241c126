// Training augmentation "LSJ" (model.md §1.3; TINY values §12.1): random horizontal flip, random rescale of a square
// canvas, fixed-size crop or bottom-right pad, boxes recomputed from the cropped masks, empty instances dropped.

namespace DiMaskDino.Model.Data.Augmentation;

/// <summary>LSJ settings. <see cref="Paper"/>: canvas 1024, scale U(0.1, 2.0); <see cref="Tiny"/>: canvas 128, U(0.5, 1.5).</summary>
public sealed record LsjOptions
{
    /// <summary>Side of the square output canvas, pixels.</summary>
    public int CanvasSize { get; init; } = 1024;

    public double MinScale { get; init; } = 0.1;

    public double MaxScale { get; init; } = 2.0;

    public double FlipProbability { get; init; } = 0.5;

    /// <summary>Fill of the canvas where the resized image does not reach (pixel value 128 before normalisation).</summary>
    public PadColor Pad { get; init; } = PadColor.Gray128;

    public static LsjOptions Paper { get; } = new();

    public static LsjOptions Tiny { get; } = new() { CanvasSize = 128, MinScale = 0.5, MaxScale = 1.5 };

    public void Validate()
    {
        if (CanvasSize < 1 || !(MinScale > 0) || !(MaxScale >= MinScale) || !double.IsFinite(MaxScale) || FlipProbability is < 0 or > 1)
        {
            throw new ArgumentException($"invalid LSJ options: canvas {CanvasSize}, scale [{MinScale}, {MaxScale}], flip p {FlipProbability}");
        }
    }
}

/// <summary>The random choices of one LSJ application.</summary>
/// <param name="Flip">Mirror left–right.</param>
/// <param name="Scale">s: the image is fitted inside (canvas·s)², keeping its aspect ratio.</param>
/// <param name="Window">Resize, mirror and crop in one; the canvas outside it is padding.</param>
public sealed record LsjDraw(bool Flip, double Scale, ResizeWindow Window);

/// <summary>
/// Large-scale jitter as detectron2's RandomFlip → ResizeScale → FixedSizeCrop (pad bottom-right) chain in MaskDINO's
/// COCO LSJ mapper. Stateless and thread-safe; randomness comes from the <see cref="SplitMix64"/> passed in.
/// </summary>
/// <remarks>
/// Draw order and rounding follow detectron2: flip if u &lt; p; s ~ U(min, max); size = round-half-even(size·min(S·s/h,
/// S·s/w)); crop offset = round(max_offset · u) with one u for both axes (FixedSizeCrop's own choice). Images are
/// resampled bilinearly, masks by nearest neighbour (see <see cref="ResizeWindow"/>); the original transforms
/// polygons geometrically instead, which differs only along mask edges.
/// </remarks>
public sealed class LargeScaleJitter
{
    public LargeScaleJitter(LsjOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
    }

    public LsjOptions Options { get; }

    /// <summary>Draws flip, scale and crop for an image of <paramref name="height"/>×<paramref name="width"/>.</summary>
    public LsjDraw Draw(int height, int width, SplitMix64 random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var flip = random.NextDouble() < Options.FlipProbability;
        var scale = random.Uniform(Options.MinScale, Options.MaxScale);
        var canvas = Options.CanvasSize;
        var factor = Math.Min(canvas * scale / height, canvas * scale / width);
        var resizedHeight = Math.Max(1, (int)Math.Round(height * factor, MidpointRounding.ToEven));
        var resizedWidth = Math.Max(1, (int)Math.Round(width * factor, MidpointRounding.ToEven));
        var u = random.NextDouble();
        var top = (int)Math.Round(Math.Max(resizedHeight - canvas, 0) * u, MidpointRounding.ToEven);
        var left = (int)Math.Round(Math.Max(resizedWidth - canvas, 0) * u, MidpointRounding.ToEven);
        var window = new ResizeWindow(
            height, width, resizedHeight, resizedWidth, top, left, Math.Min(canvas, resizedHeight), Math.Min(canvas, resizedWidth), flip);
        return new LsjDraw(flip, scale, window);
    }

    /// <summary>Draws and applies LSJ to <paramref name="sample"/>.</summary>
    public InstanceSample Apply(InstanceSample sample, SplitMix64 random)
    {
        ArgumentNullException.ThrowIfNull(sample);
        return Apply(sample, Draw(sample.Image.Height, sample.Image.Width, random));
    }

    /// <summary>
    /// Applies <paramref name="draw"/>: a canvas×canvas image padded with <see cref="LsjOptions.Pad"/>, canvas-sized
    /// masks (zero outside the image), boxes = tight boxes of the new masks; instances whose mask became empty are
    /// dropped (the result may have none).
    /// </summary>
    public InstanceSample Apply(InstanceSample sample, LsjDraw draw)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(draw);
        var window = draw.Window;
        if (window.SourceHeight != sample.Image.Height || window.SourceWidth != sample.Image.Width)
        {
            throw new ArgumentException("the LSJ draw was made for another image size", nameof(draw));
        }

        var canvas = Options.CanvasSize;
        var image = RgbImage.Filled(canvas, canvas, Options.Pad);
        window.ResampleImage(sample.Image, image);

        var plane = canvas * canvas;
        var masks = new byte[sample.Count * plane];
        var labels = new List<int>(sample.Count);
        var boxes = new List<PixelBox>(sample.Count);
        for (var i = 0; i < sample.Count; i++)
        {
            var destination = masks.AsSpan(labels.Count * plane, plane);
            window.ResampleMask(sample.Mask(i), destination, canvas);
            if (InstanceSample.TightBox(destination, canvas, canvas) is not { } box)
            {
                destination.Clear();
                continue;
            }

            labels.Add(sample.Labels[i]);
            boxes.Add(box);
        }

        var kept = labels.Count == sample.Count ? masks : masks[..(labels.Count * plane)];
        return new InstanceSample(sample.ImageId, image, [.. labels], kept, [.. boxes]);
    }
}
