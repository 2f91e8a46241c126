// BATO's feature-update block (model.md §6.3 step 3): every memory token is a query that cross-attends to the G
// guiding tokens, post-norm, then a post-norm FFN. The original stores it as the decoder's query_guide_feature_update
// (CQU-ADHRI-Lab/DI-MaskDINO); its inner field names are not in the sources this port follows, so they mirror the
// TI layer: cross_attn, norm1, linear1, linear2, norm2. Init: the owning DeformableDecoder's blanket Xavier-uniform on
// ≥2-D weights (Appendix A); biases keep PyTorch's defaults (MHA biases 0, Linear biases U(±1/√fan_in)).

using DiMaskDino.Model.Attention;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Bato;

/// <summary>
/// M′ = LN₁(M + MHA(query = M + posD, key = T_mask + T_box, value = T_mask)); M″ = LN₂(M′ + Linear₂(ReLU(Linear₁(M′)))).
/// No attention mask. Parameters 4d²+4d + 2df+f+d + 4d = 198 272 for d 128, f 512 (model.md §14.2 #18).
/// </summary>
public sealed class GuidedFeatureUpdate : nn.Module<Tensor, Tensor, Tensor, Tensor, Tensor>
{
    private readonly MultiHeadAttention cross_attn;
    private readonly LayerNorm norm1;
    private readonly Linear linear1;
    private readonly Linear linear2;
    private readonly LayerNorm norm2;

    /// <param name="dim">d</param>
    /// <param name="heads">H_h</param>
    /// <param name="feedForwardDim">FFN width</param>
    public GuidedFeatureUpdate(long dim, int heads, long feedForwardDim) : base(nameof(GuidedFeatureUpdate))
    {
        cross_attn = new MultiHeadAttention(dim, heads);
        norm1 = nn.LayerNorm(dim, eps: 1e-5);
        linear1 = nn.Linear(dim, feedForwardDim);
        linear2 = nn.Linear(feedForwardDim, dim);
        norm2 = nn.LayerNorm(dim, eps: 1e-5);
        RegisterComponents();
    }

    /// <param name="memory">[B, S, d] M, all levels</param>
    /// <param name="memoryPosition">[B, S, d] or [1, S, d] posD, the plain sine embedding per decoder level</param>
    /// <param name="maskTokens">[B, G, d] T_mask (the values)</param>
    /// <param name="boxTokens">[B, G, d] T_box (added to the keys only)</param>
    /// <returns>[B, S, d] M″</returns>
    public override Tensor forward(Tensor memory, Tensor memoryPosition, Tensor maskTokens, Tensor boxTokens)
    {
        using var scope = NewDisposeScope();
        var query = memory + memoryPosition;                                                     // [B, S, d]
        var attended = cross_attn.call(query, maskTokens + boxTokens, maskTokens, null);         // [B, S, d]
        var x = norm1.call(memory + attended);
        var ffn = linear2.call(nn.functional.relu(linear1.call(x)));
        return norm2.call(x + ffn).MoveToOuterDisposeScope();                                   // [B, S, d]
    }
}
