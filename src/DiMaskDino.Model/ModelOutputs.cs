// What the model's inference forward returns (model.md §10's model outputs, §13.1's graph contract), and the
// internal record of intermediate tensors that tests use to check §14.1's per-stage shapes and §14.2's invariants.
// The training forward returns Losses/TrainingOutputs.

using DiMaskDino.Model.Common;
using static TorchSharp.torch;

namespace DiMaskDino.Model;

/// <summary>The last decoder layer's predictions for the matching queries; owns its tensors.</summary>
/// <param name="PredLogits">[B, Q, C] float32 raw class logits (sigmoid scores, no background class)</param>
/// <param name="PredBoxes">[B, Q, 4] float32 (cx, cy, w, h) in [0, 1] relative to the padded canvas, from the box head</param>
/// <param name="PredMasks">[B, Q, H_pad/4, W_pad/4] float32 mask logits at stride 4</param>
public sealed record InferenceOutputs(Tensor PredLogits, Tensor PredBoxes, Tensor PredMasks) : IDisposable
{
    public void Dispose()
    {
        PredLogits.Dispose();
        PredBoxes.Dispose();
        PredMasks.Dispose();
    }
}

/// <summary>
/// Intermediate tensors of one forward pass, filled only when a trace is passed in (tests). Every tensor is an alias
/// owned by the trace. Names follow model.md.
/// </summary>
internal sealed class ModelTrace : IDisposable
{
    private readonly List<Tensor> _owned = [];

    /// <summary>res2..res5.</summary>
    public Tensor[] Backbone { get; set; } = [];

    /// <summary>Encoder maps by increasing stride [E8, E16, E32(, E64)] ([B, d, H_l, W_l]).</summary>
    public Tensor[] EncoderMaps { get; set; } = [];

    /// <summary>[B, S, d] decoder memory M (decoder level order).</summary>
    public Tensor? Memory { get; set; }

    public LevelShapes? DecoderLevels { get; set; }

    /// <summary>[B, d, H/4, W/4] the pixel decoder's mask features.</summary>
    public Tensor? MaskFeatures { get; set; }

    /// <summary>[B, S, C] enc_logits (training only).</summary>
    public Tensor? EncoderLogits { get; set; }

    /// <summary>[B, S, 4] enc_box_logit (training only).</summary>
    public Tensor? EncoderBoxLogits { get; set; }

    /// <summary>[B, K1, d] X₀ = stop_gradient(T_s1).</summary>
    public Tensor? FirstTokens { get; set; }

    /// <summary>[B, K1, H/4, W/4] masks_int.</summary>
    public Tensor? IntermMasks { get; set; }

    /// <summary>[B, K1, 4] refs₁.</summary>
    public Tensor? FirstReferenceLogits { get; set; }

    /// <summary>[B, Q] idx2 into the K1 first-selected tokens (DI on), else null.</summary>
    public Tensor? SecondIndices { get; set; }

    /// <summary>[B, Q, d] Q₀ and [B, Q, 4] logit(R₀): the matching decoder queries.</summary>
    public Tensor? QueryContent { get; set; }

    public Tensor? QueryReferenceLogits { get; set; }

    /// <summary>[B, P_dn+Q, d] decoder content (DN rows first).</summary>
    public Tensor? DecoderContent { get; set; }

    /// <summary>P_dn (0 without DN).</summary>
    public int DenoisingCount { get; set; }

    /// <summary>[B, G, d] T_mask, T_box and [B, d, H/4, W/4] F_upd (null when BATO is off).</summary>
    public Tensor? MaskTokens { get; set; }

    public Tensor? BoxTokens { get; set; }

    public Tensor? UpdatedMaskFeatures { get; set; }

    /// <summary>[B, S, d] M″ (null when BATO is off).</summary>
    public Tensor? UpdatedMemory { get; set; }

    /// <summary>L_d per-layer hs_l = LN_dec(X_l), [B, P_dn+Q, d], and the L_d + 1 references.</summary>
    public Tensor[] Hidden { get; set; } = [];

    public Tensor[] References { get; set; } = [];

    /// <summary>L_d raw layer outputs X_l (before LN_dec), [B, P_dn+Q, d].</summary>
    public Tensor[] RawOutputs { get; set; } = [];

    /// <summary>[B, S] max-over-classes score of every memory token (inference trace).</summary>
    public Tensor? TokenScores { get; set; }

    /// <summary>[B, K1] first selection: indices into the S tokens and their scores, descending (inference trace).</summary>
    public Tensor? FirstIndices { get; set; }

    public Tensor? FirstScores { get; set; }

    /// <summary>[B, K1, C] interm class logits and [B, K1, 4] interm boxes σ(enc_box_logit[idx1]) (inference trace).</summary>
    public Tensor? IntermLogits { get; set; }

    public Tensor? IntermBoxes { get; set; }

    /// <summary>[B, K1, 4] xyxy box of each interm mask in stride-4 pixels, by the configured rule (inference trace).</summary>
    public Tensor? IntermBoxCorners { get; set; }

    /// <summary>Per TI layer: LN_ti(X_t), R_full_t and the aux predictions (inference trace, DI on).</summary>
    public IReadOnlyList<TraceTokenInteraction> TokenInteraction { get; set; } = [];

    /// <summary>[B, Q] second-selection scores (inference trace, DI on).</summary>
    public Tensor? SecondScores { get; set; }

    /// <summary>The initial prediction from Q₀: [B, Q, C] and [B, Q, 4] (inference trace).</summary>
    public Tensor? InitialLogits { get; set; }

    public Tensor? InitialBoxes { get; set; }

    /// <summary>Per decoder layer: [B, Q, C] logits and [B, Q, 4] boxes (inference trace).</summary>
    public Tensor[] LayerLogits { get; set; } = [];

    public Tensor[] LayerBoxes { get; set; } = [];

    /// <summary>[B, G] BATO guiding-token indices into the Q queries and their scores (inference trace, BATO on).</summary>
    public Tensor? GuideIndices { get; set; }

    public Tensor? GuideScores { get; set; }

    /// <summary>An alias of <paramref name="t"/> that this trace owns and that survives the caller's dispose scope.</summary>
    public Tensor Keep(Tensor t)
    {
        var alias = t.alias().MoveToOuterDisposeScope();
        _owned.Add(alias);
        return alias;
    }

    public Tensor? KeepOrNull(Tensor? t) => t is null ? null : Keep(t);

    public void Dispose()
    {
        foreach (var t in _owned)
        {
            t.Dispose();
        }

        _owned.Clear();
    }
}

/// <summary>One TI layer of the DI module as traced: LN_ti(X_t), R_full_t and the aux class/box predictions.</summary>
internal sealed record TraceTokenInteraction(Tensor Hidden, Tensor Boxes, Tensor PredLogits, Tensor PredBoxes);
