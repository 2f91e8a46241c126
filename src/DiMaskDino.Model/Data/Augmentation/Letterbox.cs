// Evaluation-time input (model.md §1.5): no augmentation, resize to fit a fixed canvas keeping the aspect ratio,
// pad bottom-right, and keep what is needed to map predictions back to the original image (§10).

using DiMaskDino.Coco;

namespace DiMaskDino.Model.Data.Augmentation;

/// <summary>Where an image sits on its letterbox canvas: resized to <see cref="ResizedHeight"/>×<see cref="ResizedWidth"/> at the top-left corner.</summary>
public sealed record LetterboxInfo(int OriginalHeight, int OriginalWidth, int ResizedHeight, int ResizedWidth, int CanvasHeight, int CanvasWidth)
{
    /// <summary>Resized / original width (x scale).</summary>
    public double ScaleX => ResizedWidth / (double)OriginalWidth;

    /// <summary>Resized / original height (y scale).</summary>
    public double ScaleY => ResizedHeight / (double)OriginalHeight;

    /// <summary>
    /// A predicted box (cx, cy, w, h normalised by the canvas, model.md §0) in the original image's pixels as COCO
    /// <c>[x, y, w, h]</c>, clipped to the image.
    /// </summary>
    public BoundingBox ToOriginal(double cx, double cy, double w, double h)
    {
        var x0 = Math.Clamp((cx - w / 2) * CanvasWidth / ScaleX, 0, OriginalWidth);
        var y0 = Math.Clamp((cy - h / 2) * CanvasHeight / ScaleY, 0, OriginalHeight);
        var x1 = Math.Clamp((cx + w / 2) * CanvasWidth / ScaleX, 0, OriginalWidth);
        var y1 = Math.Clamp((cy + h / 2) * CanvasHeight / ScaleY, 0, OriginalHeight);
        return new BoundingBox(x0, y0, x1 - x0, y1 - y0);
    }
}

/// <summary>An evaluation input: the letterboxed image and how it maps back.</summary>
public sealed record EvalSample(long ImageId, RgbImage Image, LetterboxInfo Letterbox);

/// <summary>
/// Resizes an image to fit inside a fixed canvas (keeping the aspect ratio, bilinear as in <see cref="ResizeWindow"/>)
/// and pads bottom/right with <see cref="Pad"/>. A mask predicted on the canvas maps back by taking its
/// [0, ResizedHeight) × [0, ResizedWidth) part and resizing that to the original size.
/// </summary>
public sealed class Letterbox
{
    /// <param name="canvasHeight">Canvas height; a multiple of 32 avoids further padding (model.md §1.1).</param>
    /// <param name="canvasWidth">Canvas width.</param>
    /// <param name="pad">Fill colour; <see cref="PadColor.ZeroAfter"/> of the model's normalisation matches §1.1's zero padding.</param>
    public Letterbox(int canvasHeight, int canvasWidth, PadColor pad)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(canvasHeight);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(canvasWidth);
        CanvasHeight = canvasHeight;
        CanvasWidth = canvasWidth;
        Pad = pad;
    }

    public int CanvasHeight { get; }

    public int CanvasWidth { get; }

    public PadColor Pad { get; }

    /// <summary>The placement of an image of <paramref name="height"/>×<paramref name="width"/>.</summary>
    public LetterboxInfo Fit(int height, int width)
    {
        var factor = Math.Min(CanvasHeight / (double)height, CanvasWidth / (double)width);
        var resizedHeight = Math.Clamp((int)Math.Round(height * factor, MidpointRounding.ToEven), 1, CanvasHeight);
        var resizedWidth = Math.Clamp((int)Math.Round(width * factor, MidpointRounding.ToEven), 1, CanvasWidth);
        return new LetterboxInfo(height, width, resizedHeight, resizedWidth, CanvasHeight, CanvasWidth);
    }

    public EvalSample Apply(long imageId, RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var info = Fit(image.Height, image.Width);
        var canvas = RgbImage.Filled(CanvasHeight, CanvasWidth, Pad);
        new ResizeWindow(image.Height, image.Width, info.ResizedHeight, info.ResizedWidth, 0, 0, info.ResizedHeight, info.ResizedWidth, Mirror: false)
            .ResampleImage(image, canvas);
        return new EvalSample(imageId, canvas, info);
    }
}
