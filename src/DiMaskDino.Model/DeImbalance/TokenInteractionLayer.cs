// One token-interaction (TI) layer of the DI module (model.md §5.2): post-norm self-attention over the K1
// first-selected tokens, then a post-norm FFN. It never looks at the memory. PyTorch default initialisation.

using DiMaskDino.Model.Attention;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiMaskDino.Model.DeImbalance;

/// <summary>
/// X ← LN₁(X + MHA(q = X+P, k = X+P, v = X)); X ← LN₂(X + Linear₂(ReLU(Linear₁(X)))). No attention mask, no dropout.
/// Parameters: 4d² + 4d (MHA) + 2·d·f + f + d (FFN) + 4d (two LN) = 198 272 for d 128, f 512.
/// </summary>
public sealed class TokenInteractionLayer : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly MultiHeadAttention self_attn;
    private readonly LayerNorm norm1;
    private readonly Linear linear1;
    private readonly Linear linear2;
    private readonly LayerNorm norm2;

    /// <param name="hiddenDim">d</param>
    /// <param name="heads">H_h</param>
    /// <param name="feedForwardDim">FFN width (2048 paper, 512 TINY)</param>
    public TokenInteractionLayer(long hiddenDim, int heads, long feedForwardDim) : base(nameof(TokenInteractionLayer))
    {
        HiddenDim = hiddenDim;
        Heads = heads;
        FeedForwardDim = feedForwardDim;
        self_attn = new MultiHeadAttention(hiddenDim, heads);
        norm1 = nn.LayerNorm(hiddenDim);
        linear1 = nn.Linear(hiddenDim, feedForwardDim);
        linear2 = nn.Linear(feedForwardDim, hiddenDim);
        norm2 = nn.LayerNorm(hiddenDim);
        RegisterComponents();
    }

    public long HiddenDim { get; }

    public int Heads { get; }

    public long FeedForwardDim { get; }

    /// <summary>A new layer with this layer's current weights (the original's copy.deepcopy).</summary>
    public TokenInteractionLayer Copy()
    {
        var copy = new TokenInteractionLayer(HiddenDim, Heads, FeedForwardDim);
        using var noGrad = no_grad();
        foreach (var (target, source) in copy.parameters().Zip(parameters()))
        {
            target.copy_(source);
        }

        return copy;
    }

    /// <param name="content">[B, K, d] X</param>
    /// <param name="position">[B, K, d] P, the positional query of the tokens' boxes</param>
    /// <returns>[B, K, d] raw layer output (already ends in LN₂)</returns>
    public override Tensor forward(Tensor content, Tensor position)
    {
        using var scope = NewDisposeScope();
        var qk = content + position;
        var x = norm1.call(content + self_attn.call(qk, qk, content, null));       // [B, K, d]
        var ffn = linear2.call(nn.functional.relu(linear1.call(x)));
        x = norm2.call(x + ffn);                                                   // [B, K, d]
        return x.MoveToOuterDisposeScope();
    }
}
