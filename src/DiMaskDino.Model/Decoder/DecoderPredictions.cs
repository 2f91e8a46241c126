// The decoder-side prediction sets (model.md §6.1 initial prediction, §6.4 mask features per layer, §7.3 boxes,
// §7.4 heads with the double LN_dec, §7.5 supervised sets) and their DN split (§8.4). Pure functions over the
// decoder's outputs and the shared heads.

using DiMaskDino.Model.Denoising;
using DiMaskDino.Model.Heads;
using DiMaskDino.Model.Losses;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Decoder;

public static class DecoderPredictions
{
    /// <summary>
    /// Initial prediction (aux 0): the §7.4 head on the decoder content before any layer, with the original mask
    /// features; its boxes are R_in0 (an alias).
    /// </summary>
    /// <param name="content">[B, N, d] decoder content X</param>
    /// <param name="referenceBoxes">[B, N, 4] R_in0</param>
    /// <param name="heads">shared heads</param>
    /// <param name="maskFeatures">[B, d, H/4, W/4]</param>
    public static PredictionSet Initial(Tensor content, Tensor referenceBoxes, PredictionHeads heads, Tensor maskFeatures)
    {
        ArgumentNullException.ThrowIfNull(referenceBoxes);
        ArgumentNullException.ThrowIfNull(heads);
        using var scope = NewDisposeScope();
        var prediction = heads.Predict(content, maskFeatures);
        return new PredictionSet(
            prediction.Logits.MoveToOuterDisposeScope(),
            referenceBoxes.alias().MoveToOuterDisposeScope(),
            prediction.Masks!.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Decoder layer l: logits and masks = heads(hs_l) (so LN_dec(LN_dec(X)), quirk 9) with the layer's mask features
    /// (F_upd for l ≥ 1 when BATO ran, §6.4); box = σ(bbox_embed(hs_l) + logit(refs[l])) on the non-detached
    /// reference that entered the layer (look forward twice, §7.3).
    /// </summary>
    /// <param name="decoder">the decoder's outputs</param>
    /// <param name="layer">l in 0..L_d−1</param>
    /// <param name="heads">shared heads</param>
    /// <param name="maskFeatures">[B, d, H/4, W/4] the pixel decoder's mask features</param>
    /// <param name="withMasks">compute the masks (false: <see cref="PredictionSet.Masks"/> is null)</param>
    public static PredictionSet Layer(DecoderOutput decoder, int layer, PredictionHeads heads, Tensor maskFeatures, bool withMasks)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        ArgumentNullException.ThrowIfNull(heads);
        using var scope = NewDisposeScope();
        var hidden = decoder.Hidden[layer];                                                    // [B, N, d]
        var prediction = heads.Predict(hidden, withMasks ? decoder.MaskFeaturesFor(layer, maskFeatures) : null);
        var boxes = heads.RefineBoxes(hidden, decoder.References[layer]);                       // [B, N, 4]
        return new PredictionSet(
            prediction.Logits.MoveToOuterDisposeScope(),
            boxes.MoveToOuterDisposeScope(),
            prediction.Masks?.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Splits the L_d + 1 sets (initial, layers 0..L_d−1) into matching main/aux sets and, with DN, the DN main/aux
    /// sets (§8.4). The returned sets are views of <paramref name="sets"/>; the caller still disposes the inputs.
    /// </summary>
    /// <param name="sets">initial prediction then every decoder layer, each over P_dn + Q queries</param>
    /// <param name="plan">the step's DN layout, or null without DN</param>
    /// <returns>Main (last layer), Aux (the L_d earlier sets) and the DN outputs (null without DN)</returns>
    public static (PredictionSet Main, IReadOnlyList<PredictionSet> Aux, DenoisingOutputs? Dn) Split(
        IReadOnlyList<PredictionSet> sets, DenoisingPlan? plan)
    {
        ArgumentNullException.ThrowIfNull(sets);
        var count = plan?.Count ?? 0;
        var matching = new List<PredictionSet>(sets.Count);
        var denoising = new List<PredictionSet>(sets.Count);
        foreach (var set in sets)
        {
            var logits = DenoisingSplit.Split(set.Logits, count);
            var boxes = DenoisingSplit.Split(set.Boxes, count);
            var masks = set.Masks is null ? null : DenoisingSplit.Split(set.Masks, count);
            matching.Add(new PredictionSet(logits.Matching, boxes.Matching, masks?.Matching));
            if (plan is null)
            {
                logits.Denoising.Dispose();
                boxes.Denoising.Dispose();
                masks?.Denoising.Dispose();
            }
            else
            {
                denoising.Add(new PredictionSet(logits.Denoising, boxes.Denoising, masks?.Denoising));
            }
        }

        var dn = plan is null ? null : new DenoisingOutputs(denoising[^1], denoising[..^1], plan.Groups, plan.Pad);
        return (matching[^1], matching[..^1], dn);
    }
}
