// Splitting decoder outputs into the DN part and the matching part, and the fixed DN assignment
// (model.md §8.4). Training only.

using static TorchSharp.torch;

namespace DiMaskDino.Model.Denoising;

/// <summary>One prediction tensor split along the query axis.</summary>
/// <param name="Denoising">[B, P_dn, ...] the first P_dn queries</param>
/// <param name="Matching">[B, Q, ...] the remaining queries</param>
public sealed record DenoisingSplitPair(Tensor Denoising, Tensor Matching) : IDisposable
{
    public void Dispose()
    {
        Denoising.Dispose();
        Matching.Dispose();
    }
}

/// <summary>The DN/matching split of §8.4; the fixed DN assignment itself is <c>Losses.DenoisingAssignment</c>.</summary>
public static class DenoisingSplit
{
    /// <summary>Splits any per-query prediction (logits, boxes, masks) into its DN and matching parts.</summary>
    /// <param name="predictions">[B, P_dn+Q, ...]</param>
    /// <param name="denoisingCount">P_dn (0 without DN: the DN part is empty)</param>
    public static DenoisingSplitPair Split(Tensor predictions, long denoisingCount)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        var total = predictions.shape[1];
        if (denoisingCount < 0 || denoisingCount > total)
        {
            throw new ArgumentOutOfRangeException(nameof(denoisingCount), $"P_dn = {denoisingCount} outside [0, {total}]");
        }

        return new DenoisingSplitPair(
            predictions.narrow(1, 0, denoisingCount),
            predictions.narrow(1, denoisingCount, total - denoisingCount));
    }
}
