using DiMaskDino.Coco;
using DiMaskDino.Coco.Masks;

namespace DiMaskDino.Inference.PostProcessing;

/// <summary>One post-processed instance (model.md §10).</summary>
/// <param name="Query">Index of the decoder query it came from.</param>
/// <param name="ClassIndex">Contiguous class index 0..C−1 (map it to a COCO category id with the model's class list).</param>
/// <param name="ClassScore">σ(logit) of (query, class).</param>
/// <param name="Score">Final score: class score × mask score.</param>
/// <param name="Box">COCO [x, y, w, h] in original-image pixels, not clipped to the image.</param>
/// <param name="Mask">Binary mask at the original size, column-major RLE.</param>
public sealed record InstancePrediction(int Query, int ClassIndex, double ClassScore, double Score, BoundingBox Box, RleMask Mask)
{
    /// <summary>
    /// The query's best class other than <see cref="ClassIndex"/> (null with a single class): the class margin
    /// <see cref="ClassScore"/> − its score tells how sure the model is of the class. An attribute only; it takes no
    /// part in choosing or scoring instances.
    /// </summary>
    public RunnerUpClass? RunnerUp { get; init; }
}

/// <summary>The runner-up class of an instance's query: contiguous class index and σ(logit).</summary>
public readonly record struct RunnerUpClass(int ClassIndex, double ClassScore);
