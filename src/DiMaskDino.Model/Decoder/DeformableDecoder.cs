// The decoder loop with BATO (model.md §6.2, §6.3 hook, §7.1 positional queries, §7.3 look-forward-twice
// references; Appendix A init; Appendix B quirks 9–11), after DI-MaskDINO's BA_TransformerDecoder
// (CQU-ADHRI-Lab/DI-MaskDINO, built on IDEA-Research/MaskDINO's dino_decoder.py, Apache-2.0). Fields: layers,
// ref_point_head, bato (the original keeps BATO's query_guide_feature_update and mask_output_conv directly on the
// decoder; here they live one level down, under bato.*). decoder_norm (LN_dec) and bbox_embed are the shared heads.

using DiMaskDino.Model.Bato;
using DiMaskDino.Model.Common;
using DiMaskDino.Model.Heads;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Decoder;

/// <summary>The decoder's inputs; the caller owns every tensor.</summary>
/// <param name="Content">[B, P_dn+Q, d] X (DN rows first)</param>
/// <param name="ReferenceBoxes">[B, P_dn+Q, 4] R_in0 = σ(reference logits), cxcywh, not detached</param>
/// <param name="Memory">[B, S, d] M, decoder level order (§4.1)</param>
/// <param name="Levels">decoder-order level sizes of <paramref name="Memory"/></param>
/// <param name="MaskFeatures">[B, d, H/4, W/4] the pixel decoder's mask features (BATO fuses into them)</param>
/// <param name="SelfAttentionMask">[P_dn+Q, P_dn+Q] bool (true = blocked), or null without DN</param>
public sealed record DecoderInputs(
    Tensor Content, Tensor ReferenceBoxes, Tensor Memory, LevelShapes Levels, Tensor MaskFeatures, Tensor? SelfAttentionMask);

/// <summary>Per-layer decoder results; owns its tensors.</summary>
/// <param name="Hidden">L_d tensors [B, P_dn+Q, d]: hs_l = LN_dec(X_l)</param>
/// <param name="RawOutputs">L_d tensors [B, P_dn+Q, d]: X_l as the layer returned it (before LN_dec)</param>
/// <param name="References">L_d + 1 tensors [B, P_dn+Q, 4]: R_in0, then each layer's non-detached R_new; entry l is
/// the reference that entered layer l (the box head of layer l refines it, §7.3)</param>
/// <param name="Bato">BATO's outputs (F_upd, M″, guiding tokens), or null when BATO is off</param>
public sealed record DecoderOutput(
    IReadOnlyList<Tensor> Hidden, IReadOnlyList<Tensor> RawOutputs, IReadOnlyList<Tensor> References, BatoOutput? Bato)
    : IDisposable
{
    /// <summary>The mask features layer l's masks use (§6.4): F_upd for l ≥ 1 with BATO, else the given ones.</summary>
    public Tensor MaskFeaturesFor(int layer, Tensor maskFeatures) => layer >= 1 && Bato is not null ? Bato.MaskFeatures : maskFeatures;

    public void Dispose()
    {
        foreach (var t in Hidden.Concat(RawOutputs).Concat(References))
        {
            t.Dispose();
        }

        Bato?.Dispose();
    }
}

/// <summary>
/// R = R_in0; for l in 0..L_d−1: P = ref_point_head(SineBox(R)); before layer 1 BATO may replace the memory;
/// X = layer_l(X, P, R, memory); R_new = σ(bbox_embed(X) + logit(R)) on raw X; R = stop_gradient(R_new);
/// hs_l = LN_dec(X). ref_point_head = MLP_2(2d → d → d), shared by all layers.
/// </summary>
public sealed class DeformableDecoder : nn.Module<DecoderInputs, PredictionHeads, DecoderOutput>
{
    private readonly ModuleList<DecoderLayer> layers;
    private readonly Mlp ref_point_head;
    private readonly BatoBlock? bato;
    private readonly int _dim;

    /// <param name="numLayers">L_d (≥ 2 when BATO is on: it runs before layer 1)</param>
    /// <param name="dim">d</param>
    /// <param name="heads">H_h</param>
    /// <param name="feedForwardDim">FFN width (decoder layers and BATO update block)</param>
    /// <param name="levels">N_l</param>
    /// <param name="points">N_p</param>
    /// <param name="bato">the BATO block, or null for the ablation without it (§6.5: no parameters at all)</param>
    public DeformableDecoder(int numLayers, int dim, int heads, long feedForwardDim, int levels, int points, BatoBlock? bato)
        : base(nameof(DeformableDecoder))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numLayers, bato is null ? 1 : 2);
        _dim = dim;
        layers = new ModuleList<DecoderLayer>();
        for (var l = 0; l < numLayers; l++)
        {
            layers.Add(new DecoderLayer(dim, heads, feedForwardDim, levels, points));
        }

        ref_point_head = new Mlp(2 * dim, dim, dim, 2);
        this.bato = bato;
        RegisterComponents();
        ResetParameters();
    }

    public int NumLayers => layers.Count;

    public IReadOnlyList<DecoderLayer> Layers => [.. layers];

    public Mlp RefPointHead => ref_point_head;

    /// <summary>The BATO block, null when BATO is switched off.</summary>
    public BatoBlock? Bato => bato;

    /// <summary>
    /// Appendix A: every ≥2-D weight of the decoder stack (layers, ref_point_head, BATO update block) Xavier-uniform,
    /// then the MSDA init of §3.4. Biases and norms keep their defaults; BATO's fusion conv keeps Kaiming-uniform a = 1.
    /// </summary>
    public void ResetParameters()
    {
        using var noGrad = no_grad();
        var stack = layers.parameters().Concat(ref_point_head.parameters());
        if (bato is not null)
        {
            stack = stack.Concat(bato.Update.parameters());
        }

        foreach (var parameter in stack.Where(p => p.dim() > 1))
        {
            nn.init.xavier_uniform_(parameter);
        }

        foreach (var layer in layers)
        {
            layer.CrossAttention.ResetParameters();
        }
    }

    /// <summary>P = ref_point_head(SineBox(R)).</summary>
    /// <param name="referenceBoxes">[B, N, 4] cxcywh</param>
    /// <returns>[B, N, d]</returns>
    public Tensor PositionalQuery(Tensor referenceBoxes)
    {
        using var scope = NewDisposeScope();
        return ref_point_head.call(SineEmbedding.Box(referenceBoxes, _dim)).MoveToOuterDisposeScope();
    }

    /// <param name="inputs">content, R_in0, memory, levels, mask features, DN self-attention mask</param>
    /// <param name="heads">the shared heads (bbox_embed for the refinement, LN_dec, BATO's class/mask heads)</param>
    public override DecoderOutput forward(DecoderInputs inputs, PredictionHeads heads)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(heads);
        using var scope = NewDisposeScope();
        var x = inputs.Content;
        var reference = inputs.ReferenceBoxes;
        var memory = inputs.Memory;
        var references = new List<Tensor> { inputs.ReferenceBoxes.alias() };
        var hidden = new List<Tensor>(layers.Count);
        var raw = new List<Tensor>(layers.Count);
        BatoOutput? batoOutput = null;
        for (var l = 0; l < layers.Count; l++)
        {
            var position = PositionalQuery(reference);                                          // [B, N, d]
            if (l == 1 && bato is not null)
            {
                batoOutput = bato.call(x, position, memory, inputs.MaskFeatures, inputs.Levels, heads);
                memory = batoOutput.Memory;                                                     // layers 1.. read M″
            }

            x = layers[l].call(x, position, reference, memory, inputs.Levels, inputs.SelfAttentionMask); // [B, N, d]
            var refined = heads.RefineBoxes(x, reference);                                      // [B, N, 4] raw X
            references.Add(refined);
            reference = refined.detach();
            raw.Add(x);
            hidden.Add(heads.Normalize(x));                                                     // hs_l = LN_dec(X)
        }

        return new DecoderOutput(
            [.. hidden.Select(t => t.MoveToOuterDisposeScope())],
            [.. raw.Select(t => t.MoveToOuterDisposeScope())],
            [.. references.Select(t => t.MoveToOuterDisposeScope())],
            batoOutput is null
                ? null
                : new BatoOutput(
                    batoOutput.Memory.MoveToOuterDisposeScope(),
                    batoOutput.MaskFeatures.MoveToOuterDisposeScope(),
                    batoOutput.Indices.MoveToOuterDisposeScope(),
                    batoOutput.MaskTokens.MoveToOuterDisposeScope(),
                    batoOutput.BoxTokens.MoveToOuterDisposeScope()));
    }
}
