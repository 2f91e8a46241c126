// Point-sampled mask losses of model.md §9.3: importance-sampled points per matched mask, GT labels sampled without
// gradient, then mean BCE-with-logits (loss_mask) and dice (loss_dice), each summed over masks / num_gt.
using DiMaskDino.Model.Matching;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Losses;

/// <summary>Predicted logits and GT labels of the matched masks at their sampled points.</summary>
/// <param name="Logits">[M, P] predicted mask logits (carry gradient to the predicted masks).</param>
/// <param name="Labels">[M, P] GT values in [0, 1] (no gradient).</param>
public sealed record MaskPointSamples(Tensor Logits, Tensor Labels) : IDisposable
{
    public void Dispose()
    {
        Logits.Dispose();
        Labels.Dispose();
    }
}

/// <summary>Mask BCE and dice on sampled points.</summary>
public static class MaskLosses
{
    /// <summary>
    /// Importance-samples P points per matched mask (§9.3; candidates and fresh points from <paramref name="generator"/>),
    /// then samples the GT masks there without gradient and the predicted logits with gradient.
    /// </summary>
    /// <param name="predictedMasks">[M, h, w] mask logits of the matched predictions (stride 4)</param>
    /// <param name="targetMasks">[M, H, W] float32 GT masks of their targets (full resolution)</param>
    public static MaskPointSamples SamplePoints(
        Tensor predictedMasks, Tensor targetMasks, MaskPointOptions options, Generator generator)
    {
        using var scope = NewDisposeScope();
        var points = PointSampling.ImportancePoints(predictedMasks, options, generator); // [M, P, 2]
        Tensor labels;
        using (no_grad())
        {
            labels = PointSampling.Sample(targetMasks, points); // [M, P]
        }

        var logits = PointSampling.Sample(predictedMasks, points); // [M, P]
        return new MaskPointSamples(logits.MoveToOuterDisposeScope(), labels.MoveToOuterDisposeScope());
    }

    /// <summary>Σ_masks mean_points BCE-with-logits / normaliser (loss_mask).</summary>
    /// <param name="pointLogits">[M, P]</param>
    /// <param name="pointLabels">[M, P] in [0, 1]</param>
    /// <param name="normaliser">num_gt (× groups for denoising), ≥ 1</param>
    /// <returns>scalar</returns>
    public static Tensor SigmoidCe(Tensor pointLogits, Tensor pointLabels, float normaliser)
    {
        using var scope = NewDisposeScope();
        var bce = nn.functional.binary_cross_entropy_with_logits(
            pointLogits, pointLabels, reduction: nn.Reduction.None); // [M, P]
        return (bce.mean([1]).sum() / normaliser).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Σ_masks (1 − (2Σσ(x)t + 1) / (Σσ(x) + Σt + 1)) / normaliser (loss_dice). Logits 0 at four points with target
    /// (1, 1, 0, 0): 1 − 3/5 = 0.4.
    /// </summary>
    /// <param name="pointLogits">[M, P]</param>
    /// <param name="pointLabels">[M, P] in [0, 1]</param>
    /// <param name="normaliser">num_gt (× groups for denoising), ≥ 1</param>
    /// <returns>scalar</returns>
    public static Tensor Dice(Tensor pointLogits, Tensor pointLabels, float normaliser)
    {
        using var scope = NewDisposeScope();
        var probabilities = pointLogits.sigmoid(); // [M, P]
        var numerator = 2 * (probabilities * pointLabels).sum(-1); // [M]
        var denominator = probabilities.sum(-1) + pointLabels.sum(-1); // [M]
        var loss = 1 - (numerator + 1) / (denominator + 1);
        return (loss.sum() / normaliser).MoveToOuterDisposeScope();
    }
}
