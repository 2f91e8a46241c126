// Per-token anchor proposals of the two-stage query selection (model.md §4.2): one box per memory token of the
// decoder-order levels, with plain log-odds and the validity rule that zeroes memory before the encoder-output
// head (Appendix B quirks 2 and 3).

using DiMaskDino.Model.Common;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Query;

/// <summary>Memory with invalid tokens zeroed, the proposal logits and the validity mask.</summary>
/// <param name="Memory">[B, S, d] M_sel: M with invalid tokens set to 0</param>
/// <param name="Logits">[B, S, 4] ln(p/(1−p)) per coordinate (plain, unclamped); +∞ for invalid tokens</param>
/// <param name="Valid">[B, S] bool: all four proposal numbers strictly inside (0.01, 0.99)</param>
public sealed record EncoderProposals(Tensor Memory, Tensor Logits, Tensor Valid) : IDisposable
{
    public void Dispose()
    {
        Memory.Dispose();
        Logits.Dispose();
        Valid.Dispose();
    }
}

/// <summary>
/// Proposals at decoder-order levels (level 0 = stride 64): token (i, j) of level l gets
/// ((j+0.5)/W_l, (i+0.5)/H_l, w_l, w_l) with w_l = 0.05·2^l (**Quirk**: the stride-64 level gets the smallest size).
/// </summary>
public static class Proposals
{
    /// <summary>Validity bounds: a proposal is valid iff every coordinate lies strictly inside (0.01, 0.99).</summary>
    public const double LowerBound = 0.01;

    /// <inheritdoc cref="LowerBound"/>
    public const double UpperBound = 0.99;

    /// <summary>The proposal boxes; they depend on the level sizes only (constants in an exported graph).</summary>
    /// <param name="decoderLevels">level sizes in the decoder's (reversed) order, §4.1</param>
    /// <returns>[S, 4] float32 cxcywh, rows in the memory's token order</returns>
    public static Tensor Boxes(LevelShapes decoderLevels, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(decoderLevels);
        using var scope = NewDisposeScope();
        var levels = new List<Tensor>(decoderLevels.Count);
        for (var l = 0; l < decoderLevels.Count; l++)
        {
            var (h, w) = decoderLevels.Sizes[l];
            var cy = (arange(h, dtype: float32, device: device) + 0.5f) / h;       // [H]
            var cx = (arange(w, dtype: float32, device: device) + 0.5f) / w;       // [W]
            var centres = stack(
                [cx.unsqueeze(0).expand(h, w), cy.unsqueeze(1).expand(h, w)],
                -1).reshape(h * w, 2);                                              // [H·W, 2] (x, y), row-major
            var size = ones(h * w, 2, dtype: float32, device: device) * (float)(0.05 * Math.Pow(2, l));
            levels.Add(cat([centres, size], -1));                                  // [H·W, 4]
        }

        return cat(levels, 0).MoveToOuterDisposeScope();                          // [S, 4]
    }

    /// <summary>
    /// Applies the proposals to the decoder memory: validity, plain log-odds with +∞ for invalid tokens, and
    /// M_sel = M with invalid tokens zeroed (gradients to those rows are zero).
    /// </summary>
    /// <param name="memory">[B, S, d] decoder memory M in decoder level order</param>
    /// <param name="decoderLevels">level sizes in decoder order; their total must equal S</param>
    public static EncoderProposals Apply(Tensor memory, LevelShapes decoderLevels)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(decoderLevels);
        if (memory.dim() != 3 || memory.shape[1] != decoderLevels.TotalTokens)
        {
            throw new ArgumentException(
                $"memory must be [B, S = {decoderLevels.TotalTokens}, d], got [{string.Join(", ", memory.shape)}]", nameof(memory));
        }

        using var scope = NewDisposeScope();
        long batch = memory.shape[0], tokens = memory.shape[1];
        var boxes = Boxes(decoderLevels, memory.device);                           // [S, 4]
        var valid = ((boxes > LowerBound) & (boxes < UpperBound)).all(-1);         // [S]
        var logOdds = (boxes / (1 - boxes)).log();                                 // [S, 4], finite for every anchor
        var logits = where(valid.unsqueeze(-1), logOdds, float.PositiveInfinity);   // [S, 4]
        var selected = memory.masked_fill(valid.logical_not().unsqueeze(-1), 0);      // [B, S, d]
        return new EncoderProposals(
            selected.MoveToOuterDisposeScope(),
            logits.unsqueeze(0).expand(batch, tokens, 4).contiguous().MoveToOuterDisposeScope(),
            valid.unsqueeze(0).expand(batch, tokens).contiguous().MoveToOuterDisposeScope());
    }
}
