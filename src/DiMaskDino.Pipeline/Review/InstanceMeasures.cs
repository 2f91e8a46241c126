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
    /// <param name="imageHeight">the image's height, for a polygon mask</param>
    /// <param name="imageWidth">the image's width, for a polygon mask</param>
    public static InstanceMeasures Of(CocoInstance instance, int imageHeight, int imageWidth)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var mask = instance.ToMask(imageHeight, imageWidth);
        var box = instance.Bbox;
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
