// The records the model's training forward hands to the matcher and SetCriterion (model.md §7.5, §8.4, §1.4):
// one PredictionSet per supervised output, grouped into TrainingOutputs, plus the per-image ground truth.
// Ownership: whoever builds a record owns its tensors and disposes them through the record (the model assembly for
// TrainingOutputs, the data loader / training loop for ImageTarget). The matcher and the criterion only read them.
using static TorchSharp.torch;

namespace DiMaskDino.Model.Losses;

/// <summary>One supervised output set (model.md §7.5): class logits, boxes and optionally mask logits per query.</summary>
/// <param name="Logits">[B, N, C] float32 raw class logits (sigmoid/focal, no background class).</param>
/// <param name="Boxes">[B, N, 4] float32 (cx, cy, w, h) in [0, 1], relative to the padded canvas (already σ'd).</param>
/// <param name="Masks">[B, N, h, w] float32 mask logits at stride 4, or null for DI aux sets (class + box only).</param>
public sealed record PredictionSet(Tensor Logits, Tensor Boxes, Tensor? Masks) : IDisposable
{
    public long BatchSize => Logits.shape[0];

    /// <summary>N: queries in this set (K1 for interm and DI aux, Q for matching sets, P_dn for denoising sets).</summary>
    public long Queries => Logits.shape[1];

    public long Classes => Logits.shape[2];

    public void Dispose()
    {
        Logits.Dispose();
        Boxes.Dispose();
        Masks?.Dispose();
    }
}

/// <summary>
/// The denoising part of every decoder prediction set (model.md §8.4): the first P_dn = Groups · SlotsPerGroup queries.
/// Slot g·SlotsPerGroup + j of every group g is the noised copy of GT j (j &lt; that image's GT count); other slots
/// are padding and are supervised as background by the class loss.
/// </summary>
/// <param name="Main">DN part of the last decoder layer; masks required.</param>
/// <param name="Aux">DN parts of the L_d earlier sets (initial prediction, decoder layers 0..L_d−2), same order as
/// <see cref="TrainingOutputs.Aux"/>.</param>
/// <param name="Groups">denoising groups = ⌊DN_NUM / n_max⌋ ≥ 1.</param>
/// <param name="SlotsPerGroup">pad = n_max, the largest GT count in the batch.</param>
public sealed record DenoisingOutputs(PredictionSet Main, IReadOnlyList<PredictionSet> Aux, int Groups, int SlotsPerGroup)
    : IDisposable
{
    public void Dispose()
    {
        Main.Dispose();
        foreach (var set in Aux)
        {
            set.Dispose();
        }
    }
}

/// <summary>
/// Everything the criterion supervises in one training step (model.md §7.5, §9.4). Matching sets have the DN queries
/// already split off (§8.4).
/// </summary>
/// <param name="Main">last decoder layer, Q queries, masks required.</param>
/// <param name="Aux">L_d sets: aux 0 = initial prediction (§6.1), aux l+1 = decoder layer l for l = 0..L_d−2; masks
/// required.</param>
/// <param name="Interm">first-selection predictions (§4.5), K1 queries, masks required.</param>
/// <param name="DiAux">one set per TI layer (§5.3), K1 queries, <c>Masks</c> null; empty when DI is off.</param>
/// <param name="Dn">denoising outputs, or null when no DN ran this step (no GT in the batch, or more than DN_NUM
/// objects in one image): the DN terms are then reported as 0.</param>
public sealed record TrainingOutputs(
    PredictionSet Main,
    IReadOnlyList<PredictionSet> Aux,
    PredictionSet Interm,
    IReadOnlyList<PredictionSet> DiAux,
    DenoisingOutputs? Dn) : IDisposable
{
    public void Dispose()
    {
        Main.Dispose();
        foreach (var set in Aux)
        {
            set.Dispose();
        }

        Interm.Dispose();
        foreach (var set in DiAux)
        {
            set.Dispose();
        }

        Dn?.Dispose();
    }
}

/// <summary>Ground truth of one image (model.md §1.4).</summary>
/// <param name="Labels">[N] int64 class indices in [0, C).</param>
/// <param name="Boxes">[N, 4] float32 (cx, cy, w, h) divided by the padded canvas (W_pad, H_pad).</param>
/// <param name="Masks">[N, H_pad, W_pad] bool or float32 binary masks at full padded-canvas resolution; every image
/// of a batch uses the same canvas size.</param>
public sealed record ImageTarget(Tensor Labels, Tensor Boxes, Tensor Masks) : IDisposable
{
    /// <summary>N: objects in the image.</summary>
    public int Count => (int)Labels.shape[0];

    public void Dispose()
    {
        Labels.Dispose();
        Boxes.Dispose();
        Masks.Dispose();
    }
}
