// Denoising group count (model.md §8.1): how many DN groups fit into DN_NUM queries for this batch.

namespace DiMaskDino.Model.Denoising;

/// <summary>
/// The DN layout of one training step: <see cref="Groups"/> groups of <see cref="Pad"/> slots each (pad = n_max, the
/// largest GT count in the batch); P_dn = groups·pad. Slot of GT j of an image in group g: g·pad + j.
/// </summary>
public sealed record DenoisingPlan
{
    private DenoisingPlan(int groups, int pad)
    {
        Groups = groups;
        Pad = pad;
    }

    public int Groups { get; }

    /// <summary>Slots per group = n_max.</summary>
    public int Pad { get; }

    /// <summary>P_dn = groups·pad.</summary>
    public int Count => Groups * Pad;

    /// <summary>The group of a DN slot.</summary>
    public int GroupOf(int slot) => slot / Pad;

    /// <summary>
    /// groups = ⌊DN_NUM / n_max⌋ with n_max = max GT count over the batch; null (no DN this step, DN losses 0) when
    /// n_max = 0 or groups = 0 (more than DN_NUM objects).
    /// </summary>
    /// <param name="gtCounts">GT instances per image of the batch</param>
    /// <param name="denoisingQueries">DN_NUM (100 paper, 20 TINY)</param>
    public static DenoisingPlan? Create(IReadOnlyList<int> gtCounts, int denoisingQueries)
    {
        ArgumentNullException.ThrowIfNull(gtCounts);
        ArgumentOutOfRangeException.ThrowIfNegative(denoisingQueries);
        var maxCount = gtCounts.Count == 0 ? 0 : gtCounts.Max();
        if (maxCount <= 0)
        {
            return null;
        }

        var groups = denoisingQueries / maxCount;
        return groups == 0 ? null : new DenoisingPlan(groups, maxCount);
    }
}
