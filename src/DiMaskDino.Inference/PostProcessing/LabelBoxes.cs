// Labels-mode rule 4 (docs/labels.md): every box inside the image and consistent with its mask.

using DiMaskDino.Coco;
using DiMaskDino.Coco.Masks;
using DiMaskDino.Contracts.Labels;

namespace DiMaskDino.Inference.PostProcessing;

/// <summary>
/// Gives an instance its label box: the tight box of its mask (<see cref="BoxSource.Mask"/>) or the box head's box
/// clipped to the image (<see cref="BoxSource.Model"/>). Either way the clipped model box and its IoU with the mask's
/// tight box are kept (<see cref="InstancePrediction.ModelBox"/>, <see cref="InstancePrediction.BoxMaskIou"/>).
/// </summary>
public static class LabelBoxes
{
    /// <returns>The instance with its label box, or null when that box has zero width or height.</returns>
    public static InstancePrediction? Apply(InstancePrediction instance, BoxSource source, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var modelBox = ClipToImage(instance.Box, width, height);
        var maskBox = instance.Mask.Area == 0 ? default : instance.Mask.Bounds;
        var iou = new double[1];
        Rle.BoxIou([modelBox], [maskBox], [false], iou);
        var box = source == BoxSource.Mask ? maskBox : modelBox;
        return box.Width > 0 && box.Height > 0 ? instance with { Box = box, ModelBox = modelBox, BoxMaskIou = iou[0] } : null;
    }

    /// <summary>The part of <paramref name="box"/> inside the <paramref name="width"/>×<paramref name="height"/> image; empty (all 0) for a NaN box.</summary>
    public static BoundingBox ClipToImage(BoundingBox box, int width, int height)
    {
        if (double.IsNaN(box.X) || double.IsNaN(box.Y) || double.IsNaN(box.Width) || double.IsNaN(box.Height))
        {
            return default;
        }

        double x0 = Math.Clamp(box.X, 0, width), y0 = Math.Clamp(box.Y, 0, height);
        double x1 = Math.Clamp(box.Right, x0, width), y1 = Math.Clamp(box.Bottom, y0, height);
        return new BoundingBox(x0, y0, x1 - x0, y1 - y0);
    }
}
