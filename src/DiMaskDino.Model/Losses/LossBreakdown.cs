// Typed loss bookkeeping (model.md §9.4): every (output set, term) value of a training step, its weight, and the
// weighted total. Replaces the original's string-keyed loss dict; LossEntry.Name reproduces the original key
// ("loss_ce", "loss_mask_interm", "loss_bbox_3", "oldm_loss_giou_1", "loss_dice_dn", "loss_ce_dn_0") for logs.
using System.Globalization;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Losses;

/// <summary>Kinds of supervised output sets (model.md §7.5, §9.4).</summary>
public enum LossSetKind
{
    /// <summary>Last decoder layer, matching queries.</summary>
    Main,

    /// <summary>First-selection predictions (§4.5).</summary>
    Interm,

    /// <summary>Aux i: i = 0 initial prediction, i = l + 1 decoder layer l (l ≤ L_d − 2).</summary>
    Aux,

    /// <summary>DI aux i, one per TI layer (the original's "oldm" sets): ce, bbox, giou only.</summary>
    DiAux,

    /// <summary>Denoising part of the last decoder layer.</summary>
    DenoisingMain,

    /// <summary>Denoising part of aux set i.</summary>
    DenoisingAux,
}

/// <summary>One supervised output set; <see cref="Index"/> is 0 for the kinds that occur once.</summary>
public readonly record struct LossSet(LossSetKind Kind, int Index)
{
    public static LossSet Main => new(LossSetKind.Main, 0);

    public static LossSet Interm => new(LossSetKind.Interm, 0);

    public static LossSet DenoisingMain => new(LossSetKind.DenoisingMain, 0);

    public static LossSet Aux(int index) => new(LossSetKind.Aux, index);

    public static LossSet DiAux(int index) => new(LossSetKind.DiAux, index);

    public static LossSet DenoisingAux(int index) => new(LossSetKind.DenoisingAux, index);

    /// <summary>Mask and dice terms exist for every set except the DI aux sets.</summary>
    public bool HasMasks => Kind != LossSetKind.DiAux;

    /// <summary>The terms this set contributes, in the order they appear in a <see cref="LossBreakdown"/>.</summary>
    public IReadOnlyList<LossTerm> Terms => HasMasks ? AllTerms : BoxTerms;

    /// <summary>The original's key for a term of this set, e.g. "loss_giou_dn_2" or "oldm_loss_ce_0".</summary>
    public string KeyFor(LossTerm term)
    {
        var key = "loss_" + term.ToString().ToLowerInvariant();
        var index = Index.ToString(CultureInfo.InvariantCulture);
        return Kind switch
        {
            LossSetKind.Main => key,
            LossSetKind.Interm => key + "_interm",
            LossSetKind.Aux => key + "_" + index,
            LossSetKind.DiAux => "oldm_" + key + "_" + index,
            LossSetKind.DenoisingMain => key + "_dn",
            LossSetKind.DenoisingAux => key + "_dn_" + index,
            _ => throw new InvalidOperationException($"unknown loss set kind {Kind}"),
        };
    }

    private static readonly LossTerm[] AllTerms = [LossTerm.Ce, LossTerm.Bbox, LossTerm.Giou, LossTerm.Mask, LossTerm.Dice];
    private static readonly LossTerm[] BoxTerms = [LossTerm.Ce, LossTerm.Bbox, LossTerm.Giou];
}

/// <summary>One unweighted loss value of one set; <see cref="Weight"/> is its factor in the total.</summary>
/// <param name="Value">0-d float32 tensor, owned by the enclosing <see cref="LossBreakdown"/>.</param>
public readonly record struct LossEntry(LossSet Set, LossTerm Term, float Weight, Tensor Value)
{
    public string Name => Set.KeyFor(Term);
}

/// <summary>A loss value read back to the CPU.</summary>
public readonly record struct LossValue(LossSet Set, LossTerm Term, float Weight, float Value)
{
    public string Name => Set.KeyFor(Term);

    public float Weighted => Weight * Value;
}

/// <summary>All loss values of a step on the CPU, read with one device transfer.</summary>
public sealed record LossValues(IReadOnlyList<LossValue> Entries, float Total);

/// <summary>
/// Every weighted term of one training step and their weighted sum. Owns all its tensors: dispose after
/// <c>Total.backward()</c> (the autograd graph keeps what backward needs).
/// </summary>
/// <param name="Entries">one entry per (set, term), unweighted, in computation order.</param>
/// <param name="Total">0-d float32: Σ weight · value over <paramref name="Entries"/>; call backward on this.</param>
public sealed record LossBreakdown(IReadOnlyList<LossEntry> Entries, Tensor Total) : IDisposable
{
    /// <summary>The unweighted value of one term.</summary>
    /// <exception cref="KeyNotFoundException">the step has no such term.</exception>
    public Tensor this[LossSet set, LossTerm term]
    {
        get
        {
            foreach (var entry in Entries)
            {
                if (entry.Set == set && entry.Term == term)
                {
                    return entry.Value;
                }
            }

            throw new KeyNotFoundException($"no loss term {set.KeyFor(term)} in this step");
        }
    }

    /// <summary>Copies every value and the total to the CPU at once (call once per logged step).</summary>
    public LossValues ReadValues()
    {
        using var scope = NewDisposeScope();
        var stacked = cat(Entries.Select(e => e.Value.detach().reshape(1)).Append(Total.detach().reshape(1)).ToList(), 0)
            .to_type(ScalarType.Float32).cpu(); // [entries + 1]
        var values = stacked.data<float>().ToArray();
        var entries = Entries.Select((e, i) => new LossValue(e.Set, e.Term, e.Weight, values[i])).ToArray();
        return new LossValues(entries, values[^1]);
    }

    public void Dispose()
    {
        foreach (var entry in Entries)
        {
            entry.Value.Dispose();
        }

        Total.Dispose();
    }
}
