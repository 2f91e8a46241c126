// The decoder self-attention mask of denoising training (model.md §8.3). Training only.

using static TorchSharp.torch;

namespace DiMaskDino.Model.Denoising;

public static class DenoisingAttentionMask
{
    /// <summary>
    /// (P_dn+Q)² boolean mask, true = blocked: matching rows never see DN columns; a DN row of group g never sees
    /// the DN columns of another group; DN rows see their own group and every matching query. Same for every head
    /// and image (the layout of <see cref="Attention.MultiHeadAttention"/>'s <c>blocked</c> argument).
    /// </summary>
    /// <param name="plan">the step's DN layout</param>
    /// <param name="numQueries">Q matching queries (they follow the P_dn DN queries)</param>
    /// <returns>[P_dn+Q, P_dn+Q] bool, rows = queries, columns = keys</returns>
    public static Tensor Build(DenoisingPlan plan, int numQueries, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentOutOfRangeException.ThrowIfNegative(numQueries);
        using var scope = NewDisposeScope();
        long dn = plan.Count, total = dn + numQueries;
        var index = arange(total, dtype: int64, device: device);
        var isDn = index < dn;                                                     // [T]
        // Instance div: TorchSharp 0.107's static torch.div ignores rounding_mode.
        var group = index.div(plan.Pad, rounding_mode: RoundingMode.floor);        // [T] (only meaningful for DN slots)
        var otherGroup = group.unsqueeze(1) != group.unsqueeze(0);                 // [T, T]
        var rowIsMatching = isDn.logical_not().unsqueeze(1);                       // [T, 1]
        var blocked = isDn.unsqueeze(0) & (rowIsMatching | otherGroup);            // [T, T]
        return blocked.MoveToOuterDisposeScope();
    }
}
