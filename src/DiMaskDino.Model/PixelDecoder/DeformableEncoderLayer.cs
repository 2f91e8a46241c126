// One post-norm deformable encoder layer (model.md §3.5), laid out like MaskDINO's
// MSDeformAttnTransformerEncoderLayer (IDEA-Research/MaskDINO, maskdino/modeling/pixel_decoder/maskdino_encoder.py,
// Apache-2.0): fields self_attn, norm1, linear1, linear2, norm2. Dropout is 0 in this model and omitted.

using DiMaskDino.Model.Attention;
using DiMaskDino.Model.Common;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiMaskDino.Model.PixelDecoder;

/// <summary>
/// s ← LN₁(s + MSDA(query = s + pos, reference, value source = s)); s ← LN₂(s + Linear₂(ReLU(Linear₁(s)))).
/// Init: FFN weights Xavier-uniform with Linear's default biases; the MSDA initialises itself (§3.4).
/// </summary>
public sealed class DeformableEncoderLayer : nn.Module<Tensor, Tensor, Tensor, LevelShapes, Tensor>
{
    private readonly MultiScaleDeformableAttention self_attn;
    private readonly LayerNorm norm1;
    private readonly Linear linear1;
    private readonly Linear linear2;
    private readonly LayerNorm norm2;

    /// <param name="dim">d</param>
    /// <param name="feedForwardDim">FFN width (2048 paper, 512 TINY)</param>
    /// <param name="levels">N_l</param>
    /// <param name="heads">H_h</param>
    /// <param name="points">N_p</param>
    public DeformableEncoderLayer(long dim, long feedForwardDim, int levels, int heads, int points)
        : base(nameof(DeformableEncoderLayer))
    {
        self_attn = new MultiScaleDeformableAttention(dim, levels, heads, points);
        norm1 = nn.LayerNorm(dim, eps: 1e-5);
        linear1 = nn.Linear(dim, feedForwardDim);
        linear2 = nn.Linear(feedForwardDim, dim);
        norm2 = nn.LayerNorm(dim, eps: 1e-5);
        RegisterComponents();

        // The encoder's blanket "every ≥2-D weight Xavier-uniform" (§3.5); the MSDA's own init already overrides
        // it for the attention weights, so only the FFN weights are left to set.
        using var noGrad = no_grad();
        nn.init.xavier_uniform_(linear1.weight!);
        nn.init.xavier_uniform_(linear2.weight!);
    }

    public MultiScaleDeformableAttention SelfAttention => self_attn;

    /// <param name="source">[B, S, d] tokens of all levels</param>
    /// <param name="position">[B, S, d] (or broadcastable [1, S, d]) positional embedding, added to the query only</param>
    /// <param name="reference">[B, S, N_l, 2] reference points (x, y) in [0, 1]</param>
    /// <param name="levels">level sizes of <paramref name="source"/></param>
    /// <returns>[B, S, d]</returns>
    public override Tensor forward(Tensor source, Tensor position, Tensor reference, LevelShapes levels)
    {
        using var scope = NewDisposeScope();
        var attended = self_attn.call(source + position, reference, source, levels);
        var s = norm1.call(source + attended);
        var ffn = linear2.call(nn.functional.relu(linear1.call(s)));
        return norm2.call(s + ffn).MoveToOuterDisposeScope();
    }
}
