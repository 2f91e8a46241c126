using DiMaskDino.Coco;
using DiMaskDino.Coco.Masks;
using DiMaskDino.Pipeline.Jobs;

namespace DiMaskDino.Pipeline.Review;

/// <summary>What the review queue looks at in one instance.</summary>
/// <param name="ClassMargin">Null when the result does not carry it (single-class model, results from before it existed).</param>
/// <param name="BoxMaskIou">IoU of the model's box with the tight box of the mask; 0 for an empty mask or an empty box. In the
/// labels mode the written box is the mask's own, so the model's box comes from the instance's <c>box_mask_iou</c>.</param>
/// <param name="Parts">4-connected parts of the mask.</param>
public sealed record InstanceMeasures(int CategoryId, double Score, ClassMargin? ClassMargin, double BoxMaskIou, int Parts)
{
    /// <summary>Measures an instance of a shard result (decodes its mask once).</summary>
    public static InstanceMeasures Of(LabeledInstance instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var mask = Rle.FromCompressedString(instance.Segmentation.Counts, instance.Segmentation.Size[0], instance.Segmentation.Size[1]);
        var box = new BoundingBox(instance.Bbox[0], instance.Bbox[1], instance.Bbox[2], instance.Bbox[3]);
        double iou = instance.BoxMaskIou ?? 0;
        if (instance.BoxMaskIou is null && mask.Area > 0)
        {
            Span<double> result = stackalloc double[1];
            Rle.BoxIou([box], [mask.Bounds], [false], result);
            iou = result[0];
        }

        return new InstanceMeasures(instance.CategoryId, instance.Score, instance.ClassMargin, iou, Rle.ComponentCount(mask));
    }
}
