// Sigmoid focal classification loss, loss_ce of model.md §9.3 (RetinaNet form as in DETR-family criteria).
using static TorchSharp.torch;

namespace DiMaskDino.Model.Losses;

/// <summary>Sigmoid focal loss summed over all (query, class) elements and divided by the GT count.</summary>
public static class FocalLoss
{
    public const float Alpha = 0.25f;

    public const float Gamma = 2f;

    /// <summary>
    /// ℓ = α_t (1 − p_t)^γ · BCE(x, t), α_t = α for positives and 1 − α for negatives; loss = Σ ℓ / normaliser.
    /// One image, one class, two queries with logit 0, query 0 positive, normaliser 1: 0.173287.
    /// </summary>
    /// <param name="logits">[B, N, C] raw class logits</param>
    /// <param name="targets">[B, N, C] float32 one-hot (unmatched queries all zero)</param>
    /// <param name="normaliser">num_gt (or num_gt × groups for denoising), ≥ 1</param>
    /// <returns>scalar</returns>
    public static Tensor Sigmoid(Tensor logits, Tensor targets, float normaliser, float alpha = Alpha, float gamma = Gamma)
    {
        using var scope = NewDisposeScope();
        var probabilities = logits.sigmoid();
        var bce = nn.functional.binary_cross_entropy_with_logits(logits, targets, reduction: nn.Reduction.None);
        var pt = probabilities * targets + (1 - probabilities) * (1 - targets);
        var alphaT = alpha * targets + (1 - alpha) * (1 - targets);
        var loss = alphaT * bce * (1 - pt).pow(gamma);
        return (loss.sum() / normaliser).MoveToOuterDisposeScope();
    }
}
