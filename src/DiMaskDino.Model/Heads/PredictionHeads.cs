// The shared prediction heads of DI-MaskDINO (model.md §7.4, Appendix A): one class_embed, one bbox_embed and one
// mask_embed used by the encoder-output head (§4.3), the interm predictions (§4.5), the DI aux outputs (§5.3), the
// initial prediction and every decoder layer (§6, §7.3), plus the shared decoder_norm (LN_dec).
// Field names follow MaskDINO's decoder so weights map one to one.

using DiMaskDino.Model.Common;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Heads;

/// <summary>Class logits and (optionally) mask logits of one prediction set.</summary>
/// <param name="Logits">[B, N, C] raw class logits</param>
/// <param name="Masks">[B, N, H/4, W/4] mask logits at stride 4, or null when no mask features were given</param>
public sealed record HeadPrediction(Tensor Logits, Tensor? Masks) : IDisposable
{
    public void Dispose()
    {
        Logits.Dispose();
        Masks?.Dispose();
    }
}

/// <summary>
/// class_embed = Linear(d → C) (PyTorch default init, no prior bias); bbox_embed = MLP_3(d → d → d → 4) with a
/// zero last layer; mask_embed = MLP_3(d → d → d → mask_dim); decoder_norm = LN_dec. The module call
/// (<see cref="Predict"/>) applies LN_dec first; the raw pieces (<see cref="ClassLogits"/>, <see cref="BoxDelta"/>,
/// <see cref="MaskEmbedding"/>, <see cref="RefineBoxes"/>) apply no norm, so callers state every norm explicitly.
/// </summary>
public sealed class PredictionHeads : nn.Module<Tensor, Tensor?, HeadPrediction>
{
    private readonly Linear class_embed;
    private readonly Mlp bbox_embed;
    private readonly Mlp mask_embed;
    private readonly LayerNorm decoder_norm;

    /// <param name="hiddenDim">d</param>
    /// <param name="numClasses">C</param>
    /// <param name="maskDim">mask_dim (= d in this model; BATO relies on it)</param>
    public PredictionHeads(long hiddenDim, long numClasses, long maskDim) : base(nameof(PredictionHeads))
    {
        HiddenDim = hiddenDim;
        NumClasses = numClasses;
        class_embed = nn.Linear(hiddenDim, numClasses);
        bbox_embed = new Mlp(hiddenDim, hiddenDim, 4, 3);
        mask_embed = new Mlp(hiddenDim, hiddenDim, maskDim, 3);
        decoder_norm = nn.LayerNorm(hiddenDim);
        RegisterComponents();

        bbox_embed.ZeroLastLayer();
    }

    public long HiddenDim { get; }

    public long NumClasses { get; }

    /// <summary>The shared box MLP (its last layer starts at zero).</summary>
    public Mlp BoxEmbed => bbox_embed;

    /// <summary>
    /// The §7.4 head: Z = LN_dec(content); logits = class_embed(Z); masks = Σ_c mask_embed(Z)[b,n,c]·F[b,c,y,x].
    /// </summary>
    /// <param name="content">[B, N, d]</param>
    /// <param name="maskFeatures">[B, mask_dim, H/4, W/4], or null to skip the masks</param>
    public override HeadPrediction forward(Tensor content, Tensor? maskFeatures)
    {
        using var scope = NewDisposeScope();
        var z = decoder_norm.call(content);                                         // [B, N, d]
        var logits = class_embed.call(z);                                           // [B, N, C]
        var masks = maskFeatures is null ? null : MaskLogits(mask_embed.call(z), maskFeatures);
        return new HeadPrediction(logits.MoveToOuterDisposeScope(), masks?.MoveToOuterDisposeScope());
    }

    /// <summary>Same as the module call: LN_dec, then class and (optional) mask heads.</summary>
    /// <param name="content">[B, N, d]</param>
    /// <param name="maskFeatures">[B, mask_dim, H/4, W/4] or null</param>
    public HeadPrediction Predict(Tensor content, Tensor? maskFeatures) => call(content, maskFeatures);

    /// <summary>LN_dec alone.</summary>
    /// <param name="content">[B, N, d]</param>
    /// <returns>[B, N, d]</returns>
    public Tensor Normalize(Tensor content) => decoder_norm.call(content);

    /// <summary>class_embed on the content as given (no norm): the selection scores of §4.4, §5.4 and BATO.</summary>
    /// <param name="content">[B, N, d]</param>
    /// <returns>[B, N, C]</returns>
    public Tensor ClassLogits(Tensor content) => class_embed.call(content);

    /// <summary>bbox_embed on the content as given (no norm): a box delta in logit space.</summary>
    /// <param name="content">[B, N, d]</param>
    /// <returns>[B, N, 4]</returns>
    public Tensor BoxDelta(Tensor content) => bbox_embed.call(content);

    /// <summary>mask_embed on the content as given (no norm): BATO's mask guiding tokens use this.</summary>
    /// <param name="content">[B, N, d]</param>
    /// <returns>[B, N, mask_dim]</returns>
    public Tensor MaskEmbedding(Tensor content) => mask_embed.call(content);

    /// <summary>σ(bbox_embed(content) + logit(reference)) with the clamped logit of §0 and no norm on the content.</summary>
    /// <param name="content">[B, N, d] (raw X for the refinement, LN_dec(X) for the reported box, §7.3)</param>
    /// <param name="referenceBoxes">[B, N, 4] cxcywh in [0, 1]</param>
    /// <returns>[B, N, 4] cxcywh in [0, 1]</returns>
    public Tensor RefineBoxes(Tensor content, Tensor referenceBoxes)
    {
        using var scope = NewDisposeScope();
        var refined = (bbox_embed.call(content) + BoxMath.InverseSigmoid(referenceBoxes)).sigmoid();
        return refined.MoveToOuterDisposeScope();
    }

    /// <summary>The mask dot product: masks[b,n,y,x] = Σ_c embedding[b,n,c]·features[b,c,y,x] (a batched MatMul).</summary>
    /// <param name="embedding">[B, N, mask_dim]</param>
    /// <param name="maskFeatures">[B, mask_dim, H4, W4]</param>
    /// <returns>[B, N, H4, W4] mask logits</returns>
    public static Tensor MaskLogits(Tensor embedding, Tensor maskFeatures)
    {
        ArgumentNullException.ThrowIfNull(embedding);
        ArgumentNullException.ThrowIfNull(maskFeatures);
        using var scope = NewDisposeScope();
        long batch = maskFeatures.shape[0], channels = maskFeatures.shape[1], h = maskFeatures.shape[2], w = maskFeatures.shape[3];
        var flat = maskFeatures.reshape(batch, channels, h * w);                   // [B, c, H4·W4]
        var masks = embedding.matmul(flat).reshape(batch, embedding.shape[1], h, w); // [B, N, H4, W4]
        return masks.MoveToOuterDisposeScope();
    }
}
