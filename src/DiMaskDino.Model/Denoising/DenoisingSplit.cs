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

/// <summary>The fixed DN assignment of one image: prediction <c>Predictions[i]</c> ↔ GT <c>Targets[i]</c>.</summary>
/// <param name="Predictions">DN query indices g·pad + j, group-major (g = 0, all j; g = 1, all j; …)</param>
/// <param name="Targets">GT indices j, repeated once per group</param>
public sealed record DenoisingMatch(long[] Predictions, long[] Targets);

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

    /// <summary>For image b with n_b GT: prediction g·pad + j ↔ GT j for every group g and j &lt; n_b.</summary>
    /// <param name="plan">the step's DN layout</param>
    /// <param name="gtCounts">n_b per image</param>
    /// <returns>one assignment per image (empty arrays for images without GT)</returns>
    public static IReadOnlyList<DenoisingMatch> Assignment(DenoisingPlan plan, IReadOnlyList<int> gtCounts)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(gtCounts);
        var result = new DenoisingMatch[gtCounts.Count];
        for (var b = 0; b < gtCounts.Count; b++)
        {
            var n = gtCounts[b];
            if (n > plan.Pad)
            {
                throw new ArgumentException($"image {b} has {n} GT but the plan has only {plan.Pad} slots per group");
            }

            var predictions = new long[plan.Groups * n];
            var targets = new long[plan.Groups * n];
            for (var g = 0; g < plan.Groups; g++)
            {
                for (var j = 0; j < n; j++)
                {
                    predictions[g * n + j] = (long)g * plan.Pad + j;
                    targets[g * n + j] = j;
                }
            }

            result[b] = new DenoisingMatch(predictions, targets);
        }

        return result;
    }
}
