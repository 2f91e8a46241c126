// One post-norm decoder layer (model.md §7.2): self-attention → deformable cross-attention → FFN, as MaskDINO's
// DeformableTransformerDecoderLayer (IDEA-Research/MaskDINO, maskdino/modeling/transformer_decoder/dino_decoder.py,
// Apache-2.0; identical in DI-MaskDINO). Field names are the original's, so weights map one to one: self_attn + norm2,
// cross_attn + norm1, linear1 + linear2 + norm3 (the original numbers its norms in declaration order, cross-attention
// first; they are declared here in call order). Dropout is 0 in this model and omitted. Initialisation is done by the
// owning DeformableDecoder (Appendix A: Xavier for every ≥2-D weight, then the MSDA reset of §3.4).

using DiMaskDino.Model.Attention;
using DiMaskDino.Model.Common;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Decoder;

/// <summary>
/// X ← LN_sa(X + MHA(q = k = X+P, v = X, mask)); X ← LN_ca(X + MSDA(X+P, R per level, memory));
/// X ← LN_ffn(X + Linear₂(ReLU(Linear₁(X)))). No positional term is added to the memory.
/// Parameters: MHA 4d²+4d, MSDA, FFN 2df+f+d, three LN 6d — 256 320 for d 128, 4 heads, f 512 (model.md §14.2 #18).
/// </summary>
public sealed class DecoderLayer : nn.Module<Tensor, Tensor, Tensor, Tensor, LevelShapes, Tensor?, Tensor>
{
    private readonly MultiHeadAttention self_attn;
    private readonly LayerNorm norm2;
    private readonly MultiScaleDeformableAttention cross_attn;
    private readonly LayerNorm norm1;
    private readonly Linear linear1;
    private readonly Linear linear2;
    private readonly LayerNorm norm3;

    /// <param name="dim">d</param>
    /// <param name="heads">H_h (self-attention and MSDA)</param>
    /// <param name="feedForwardDim">FFN width (2048 paper, 512 TINY)</param>
    /// <param name="levels">N_l</param>
    /// <param name="points">N_p</param>
    public DecoderLayer(long dim, int heads, long feedForwardDim, int levels, int points) : base(nameof(DecoderLayer))
    {
        self_attn = new MultiHeadAttention(dim, heads);
        norm2 = nn.LayerNorm(dim, eps: 1e-5);
        cross_attn = new MultiScaleDeformableAttention(dim, levels, heads, points);
        norm1 = nn.LayerNorm(dim, eps: 1e-5);
        linear1 = nn.Linear(dim, feedForwardDim);
        linear2 = nn.Linear(feedForwardDim, dim);
        norm3 = nn.LayerNorm(dim, eps: 1e-5);
        RegisterComponents();
    }

    public MultiHeadAttention SelfAttention => self_attn;

    public MultiScaleDeformableAttention CrossAttention => cross_attn;

    /// <param name="content">[B, N, d] X (N = P_dn + Q)</param>
    /// <param name="position">[B, N, d] P = ref_point_head(SineBox(R))</param>
    /// <param name="referenceBoxes">[B, N, 4] R, cxcywh in [0, 1]; the same box is used on every level</param>
    /// <param name="memory">[B, S, d] value source, decoder level order (§4.1)</param>
    /// <param name="levels">decoder-order level sizes of <paramref name="memory"/></param>
    /// <param name="blocked">optional [N, N] bool self-attention mask (true = blocked; DN training only, §8.3)</param>
    /// <returns>[B, N, d] raw layer output (ends in LN_ffn)</returns>
    public override Tensor forward(
        Tensor content, Tensor position, Tensor referenceBoxes, Tensor memory, LevelShapes levels, Tensor? blocked)
    {
        ArgumentNullException.ThrowIfNull(levels);
        using var scope = NewDisposeScope();
        var qk = content + position;
        var x = norm2.call(content + self_attn.call(qk, qk, content, blocked));                  // [B, N, d]

        long batch = referenceBoxes.shape[0], queries = referenceBoxes.shape[1];
        var reference = referenceBoxes.unsqueeze(2).expand(batch, queries, levels.Count, 4);      // [B, N, L, 4]
        x = norm1.call(x + cross_attn.call(x + position, reference, memory, levels));            // [B, N, d]

        var ffn = linear2.call(nn.functional.relu(linear1.call(x)));
        return norm3.call(x + ffn).MoveToOuterDisposeScope();                                   // [B, N, d]
    }
}
