// Two-stage first selection (model.md §4.4), the interm predictions (§4.5), mask2box references (§4.6) and the
// detached content initialisation (§4.7). Pure functions over explicit tensors; the shared heads are passed in.

using DiMaskDino.Model.Heads;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Query;

/// <summary>The first selection: top-K1 tokens of M_enc by their best raw class logit.</summary>
/// <param name="Tokens">[B, K1, d] T_s1 = M_enc[idx1] (keeps gradient)</param>
/// <param name="BoxLogits">[B, K1, 4] box_sel = enc_box_logit[idx1]</param>
/// <param name="Indices">[B, K1] int64 idx1 into the S memory tokens, by descending score</param>
public sealed record FirstSelection(Tensor Tokens, Tensor BoxLogits, Tensor Indices) : IDisposable
{
    public void Dispose()
    {
        Tokens.Dispose();
        BoxLogits.Dispose();
        Indices.Dispose();
    }
}

/// <summary>Interm predictions of the first-selected tokens (§4.5, supervised as "_interm").</summary>
/// <param name="Logits">[B, K1, C] class_embed(LN_dec(T_s1))</param>
/// <param name="Masks">[B, K1, H/4, W/4] mask_embed(LN_dec(T_s1))·mask_features</param>
/// <param name="Boxes">[B, K1, 4] σ(box_sel), cxcywh</param>
public sealed record IntermPredictions(Tensor Logits, Tensor Masks, Tensor Boxes) : IDisposable
{
    public void Dispose()
    {
        Logits.Dispose();
        Masks.Dispose();
        Boxes.Dispose();
    }
}

/// <summary>Everything the query-selection stage hands on: interm outputs plus the DI module's inputs.</summary>
/// <param name="Interm">interm predictions (masks are also needed at inference for mask2box)</param>
/// <param name="Content">[B, K1, d] X₀ = stop_gradient(T_s1)</param>
/// <param name="ReferenceLogits">[B, K1, 4] refs₁ = logit(mask2box(masks_int)), no gradient</param>
/// <param name="Indices">[B, K1] int64 idx1</param>
public sealed record TwoStageOutput(IntermPredictions Interm, Tensor Content, Tensor ReferenceLogits, Tensor Indices) : IDisposable
{
    public void Dispose()
    {
        Interm.Dispose();
        Content.Dispose();
        ReferenceLogits.Dispose();
        Indices.Dispose();
    }
}

public static class TwoStageSelection
{
    /// <summary>
    /// score = max_c enc_logits; idx1 = top-K1 per image (descending; invalid tokens are not excluded); gathers
    /// M_enc and enc_box_logit at idx1. Throws when S &lt; K1.
    /// </summary>
    /// <param name="encoder">M_enc [B, S, d], enc_logits [B, S, C], enc_box_logit [B, S, 4]</param>
    /// <param name="count">K1 (DI on) or Q (DI off, §5.6)</param>
    public static FirstSelection SelectFirst(EncoderHeadOutput encoder, int count)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        var tokens = encoder.Memory.shape[1];
        if (count < 1 || tokens < count)
        {
            throw new ArgumentException(
                $"the first selection needs S >= K1: the input gives S = {tokens} memory tokens but K1 = {count}; "
                + "use a larger input image or fewer first-selected tokens");
        }

        using var scope = NewDisposeScope();
        var score = encoder.Logits.amax([-1]);                                      // [B, S]
        var (_, indices) = score.topk(count, dim: 1, largest: true, sorted: true); // [B, K1]
        var selected = Gather(encoder.Memory, indices);                            // [B, K1, d]
        var boxLogits = Gather(encoder.BoxLogits, indices);                        // [B, K1, 4]
        return new FirstSelection(
            selected.MoveToOuterDisposeScope(),
            boxLogits.MoveToOuterDisposeScope(),
            indices.MoveToOuterDisposeScope());
    }

    /// <summary>The shared §7.4 head on T_s1 (gradients flow) and boxes σ(box_sel).</summary>
    /// <param name="selection">output of <see cref="SelectFirst"/></param>
    /// <param name="heads">shared heads</param>
    /// <param name="maskFeatures">[B, d, H/4, W/4] the pixel decoder's mask features</param>
    public static IntermPredictions Interm(FirstSelection selection, PredictionHeads heads, Tensor maskFeatures)
    {
        ArgumentNullException.ThrowIfNull(selection);
        ArgumentNullException.ThrowIfNull(heads);
        ArgumentNullException.ThrowIfNull(maskFeatures);
        using var scope = NewDisposeScope();
        var prediction = heads.Predict(selection.Tokens, maskFeatures);
        var boxes = selection.BoxLogits.sigmoid();                                 // [B, K1, 4]
        return new IntermPredictions(
            prediction.Logits.MoveToOuterDisposeScope(),
            prediction.Masks!.MoveToOuterDisposeScope(),
            boxes.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// §4.4–4.7 in one call: first selection, interm predictions, refs₁ = logit(mask2box(masks_int)) and
    /// X₀ = stop_gradient(T_s1).
    /// </summary>
    /// <param name="encoder">output of <see cref="EncoderOutputHead.Predict"/></param>
    /// <param name="heads">shared heads</param>
    /// <param name="maskFeatures">[B, d, H/4, W/4]</param>
    /// <param name="count">K1 (DI on) or Q (DI off)</param>
    /// <param name="boxInitialization">how refs₁ are made (mask2box by default)</param>
    public static TwoStageOutput Run(
        EncoderHeadOutput encoder, PredictionHeads heads, Tensor maskFeatures, int count,
        BoxInitialization boxInitialization = BoxInitialization.MaskToBox)
    {
        using var scope = NewDisposeScope();
        var selection = SelectFirst(encoder, count);
        var interm = Interm(selection, heads, maskFeatures);
        var references = ReferenceInitialization.Logits(boxInitialization, interm.Masks, selection.BoxLogits); // [B, K1, 4], no gradient
        var content = selection.Tokens.detach();                                   // [B, K1, d]
        var output = new TwoStageOutput(
            new IntermPredictions(
                interm.Logits.MoveToOuterDisposeScope(),
                interm.Masks.MoveToOuterDisposeScope(),
                interm.Boxes.MoveToOuterDisposeScope()),
            content.MoveToOuterDisposeScope(),
            references.MoveToOuterDisposeScope(),
            selection.Indices.MoveToOuterDisposeScope());
        return output;
    }

    /// <summary>Gathers rows of a batch-first sequence.</summary>
    /// <param name="source">[B, S, F]</param>
    /// <param name="indices">[B, K] int64</param>
    /// <returns>[B, K, F]</returns>
    public static Tensor Gather(Tensor source, Tensor indices)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(indices);
        using var scope = NewDisposeScope();
        var expanded = indices.unsqueeze(-1).expand(indices.shape[0], indices.shape[1], source.shape[2]); // [B, K, F]
        return source.gather(1, expanded).MoveToOuterDisposeScope();
    }
}
