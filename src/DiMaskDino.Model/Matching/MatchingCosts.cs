// Pairwise matching costs of the Hungarian matcher (model.md §9.1): focal-style class cost, L1 box cost, −GIoU, and
// the point-sampled mask BCE and dice costs. Each returns a [Nq, Nt] matrix (predictions × targets). No gradient is
// needed here; the matcher calls these under no_grad.
using DiMaskDino.Model.Boxes;
using DiMaskDino.Model.Common;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Matching;

/// <summary>The individual cost matrices of model.md §9.1.</summary>
public static class MatchingCosts
{
    /// <summary>α of the focal-style class cost.</summary>
    public const float FocalAlpha = 0.25f;

    /// <summary>γ of the focal-style class cost.</summary>
    public const float FocalGamma = 2f;

    /// <summary>Added inside both logarithms of the class cost.</summary>
    public const float LogEpsilon = 1e-8f;

    /// <summary>
    /// α(1−p_c)^γ·(−ln(p_c + 1e-8)) − (1−α)p_c^γ·(−ln(1 − p_c + 1e-8)) for the GT class c of each target.
    /// At p = 0.5: 0.043322 − 0.129965 = −0.086643.
    /// </summary>
    /// <param name="probabilities">[Nq, C] σ(logits)</param>
    /// <param name="labels">[Nt] int64 class of each target</param>
    /// <returns>[Nq, Nt]</returns>
    public static Tensor Class(Tensor probabilities, Tensor labels)
    {
        using var scope = NewDisposeScope();
        var p = probabilities;
        var negative = (1 - FocalAlpha) * p.pow(FocalGamma) * -(1 - p + LogEpsilon).log(); // [Nq, C]
        var positive = FocalAlpha * (1 - p).pow(FocalGamma) * -(p + LogEpsilon).log(); // [Nq, C]
        return (positive - negative).index_select(1, labels).MoveToOuterDisposeScope(); // [Nq, Nt]
    }

    /// <summary>L1 distance between cxcywh boxes (torch.cdist with p = 1).</summary>
    /// <param name="predicted">[Nq, 4] cxcywh</param>
    /// <param name="targets">[Nt, 4] cxcywh</param>
    /// <returns>[Nq, Nt]</returns>
    public static Tensor BoxL1(Tensor predicted, Tensor targets)
    {
        using var scope = NewDisposeScope();
        var difference = predicted.unsqueeze(1) - targets.unsqueeze(0); // [Nq, Nt, 4]
        return difference.abs().sum(-1).MoveToOuterDisposeScope();
    }

    /// <summary>−GIoU of the boxes converted to xyxy.</summary>
    /// <param name="predicted">[Nq, 4] cxcywh</param>
    /// <param name="targets">[Nt, 4] cxcywh</param>
    /// <returns>[Nq, Nt]</returns>
    public static Tensor NegativeGiou(Tensor predicted, Tensor targets)
    {
        using var scope = NewDisposeScope();
        var giou = BoxOps.GeneralizedIou(BoxMath.CxcywhToXyxy(predicted), BoxMath.CxcywhToXyxy(targets));
        return (-giou).MoveToOuterDisposeScope();
    }

    /// <summary>Mean over points of BCE-with-logits between every predicted mask and every target mask.</summary>
    /// <param name="predictedPoints">[Nq, P] mask logits at the shared points</param>
    /// <param name="targetPoints">[Nt, P] target values (0..1) at the same points</param>
    /// <returns>[Nq, Nt]</returns>
    public static Tensor MaskBce(Tensor predictedPoints, Tensor targetPoints)
    {
        using var scope = NewDisposeScope();
        var x = predictedPoints;
        var ifPositive = nn.functional.binary_cross_entropy_with_logits(
            x, ones_like(x), reduction: nn.Reduction.None); // [Nq, P] BCE against target 1
        var ifNegative = nn.functional.binary_cross_entropy_with_logits(
            x, zeros_like(x), reduction: nn.Reduction.None); // [Nq, P] BCE against target 0
        var t = targetPoints;
        var summed = ifPositive.matmul(t.t()) + ifNegative.matmul((1 - t).t()); // [Nq, Nt]
        return (summed / x.shape[1]).MoveToOuterDisposeScope();
    }

    /// <summary>1 − (2·Σσ(x)t + 1) / (Σσ(x) + Σt + 1) for every (prediction, target) pair.</summary>
    /// <param name="predictedPoints">[Nq, P] mask logits at the shared points</param>
    /// <param name="targetPoints">[Nt, P] target values (0..1) at the same points</param>
    /// <returns>[Nq, Nt]</returns>
    public static Tensor Dice(Tensor predictedPoints, Tensor targetPoints)
    {
        using var scope = NewDisposeScope();
        var probabilities = predictedPoints.sigmoid(); // [Nq, P]
        var numerator = 2 * probabilities.matmul(targetPoints.t()); // [Nq, Nt]
        var denominator = probabilities.sum(-1).unsqueeze(1) + targetPoints.sum(-1).unsqueeze(0); // [Nq, Nt]
        return (1 - (numerator + 1) / (denominator + 1)).MoveToOuterDisposeScope();
    }
}
