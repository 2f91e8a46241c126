using DiMaskDino.Coco;
using DiMaskDino.Coco.Masks;

namespace DiMaskDino.Inference.PostProcessing;

/// <summary>One post-processed instance (model.md §10).</summary>
/// <param name="Query">Index of the decoder query it came from.</param>
/// <param name="ClassIndex">Contiguous class index 0..C−1 (map it to a COCO category id with the model's class list).</param>
/// <param name="ClassScore">σ(logit) of (query, class).</param>
/// <param name="Score">Final score: class score × mask score.</param>
/// <param name="Box">COCO [x, y, w, h] in original-image pixels: the box head's, not clipped to the image, in the official
/// mode; the box <see cref="LabelPostProcessor"/> chose in the labels mode.</param>
/// <param name="Mask">Binary mask at the original size, column-major RLE.</param>
public sealed record InstancePrediction(int Query, int ClassIndex, double ClassScore, double Score, BoundingBox Box, RleMask Mask)
{
    /// <summary>Labels mode only: the box head's box clipped to the image (null in the official mode).</summary>
    public BoundingBox? ModelBox { get; init; }

    /// <summary>Labels mode only: IoU of <see cref="ModelBox"/> and the mask's tight box, a measure of box–mask disagreement.</summary>
    public double? BoxMaskIou { get; init; }

    /// <summary>
    /// The query's best class other than <see cref="ClassIndex"/> (null with a single class): the class margin
    /// <see cref="ClassScore"/> − its score tells how sure the model is of the class. An attribute only; it takes no
    /// part in choosing or scoring instances.
    /// </summary>
    public RunnerUpClass? RunnerUp { get; init; }

    /// <summary>This instance as written out: the mask as compressed RLE (unless <paramref name="segmentation"/> is given), classes as COCO category ids.</summary>
    /// <param name="categoryIdOf">contiguous class index → COCO category id (the model's class list)</param>
    /// <param name="segmentation">the mask in another form (polygons), written instead of the RLE</param>
    public CocoInstance ToCoco(Func<int, int> categoryIdOf, Segmentation? segmentation = null)
    {
        ArgumentNullException.ThrowIfNull(categoryIdOf);
        return new CocoInstance(
            categoryIdOf(ClassIndex), Box, Mask.Area, Score,
            segmentation ?? RleSegmentation.Compressed(Mask.Height, Mask.Width, Rle.ToCompressedString(Mask)))
        {
            ModelBbox = ModelBox,
            BoxMaskIou = BoxMaskIou,
            ClassMargin = RunnerUp is { } runnerUp ? new ClassMargin(ClassScore, categoryIdOf(runnerUp.ClassIndex), runnerUp.ClassScore) : null,
        };
    }
}

/// <summary>The runner-up class of an instance's query: contiguous class index and σ(logit).</summary>
public readonly record struct RunnerUpClass(int ClassIndex, double ClassScore);
