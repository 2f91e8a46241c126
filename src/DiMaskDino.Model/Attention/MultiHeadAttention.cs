// Standard multi-head attention with PyTorch's nn.MultiheadAttention parameter layout
// (torch/nn/modules/activation.py, BSD-3-Clause): in_proj_weight [3d, d], in_proj_bias [3d], out_proj.
// Written out with plain ops (MatMul, Softmax, Reshape) so the ONNX exporter can mirror it one to one.

using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Attention;

/// <summary>
/// Batch-first multi-head attention (TI layers, decoder self-attention, BATO). Scaling 1/√d_h on the projected
/// query; an optional boolean mask blocks (true) key positions per query.
/// </summary>
public sealed class MultiHeadAttention : nn.Module<Tensor, Tensor, Tensor, Tensor?, Tensor>
{
    private readonly Parameter in_proj_weight;
    private readonly Parameter in_proj_bias;
    private readonly Linear out_proj;
    private readonly int _heads;
    private readonly long _dim;

    public MultiHeadAttention(long dim, int heads) : base(nameof(MultiHeadAttention))
    {
        if (dim % heads != 0)
        {
            throw new ArgumentException($"dim {dim} must be divisible by heads {heads}");
        }

        _dim = dim;
        _heads = heads;
        in_proj_weight = nn.Parameter(empty(3 * dim, dim));
        in_proj_bias = nn.Parameter(zeros(3 * dim));
        out_proj = nn.Linear(dim, dim);
        RegisterComponents();

        // PyTorch's _reset_parameters: Xavier-uniform in-projection, zero biases; out_proj weight keeps Linear's default.
        using var noGrad = no_grad();
        nn.init.xavier_uniform_(in_proj_weight);
        out_proj.bias!.zero_();
    }

    public Linear OutProjection => out_proj;

    public Parameter InProjectionWeight => in_proj_weight;

    public Parameter InProjectionBias => in_proj_bias;

    /// <param name="query">[B, Nq, d]</param>
    /// <param name="key">[B, Nk, d]</param>
    /// <param name="value">[B, Nk, d]</param>
    /// <param name="blocked">optional [Nq, Nk] bool, true = the query may not attend to that key</param>
    /// <returns>[B, Nq, d]</returns>
    public override Tensor forward(Tensor query, Tensor key, Tensor value, Tensor? blocked)
    {
        using var scope = NewDisposeScope();
        long batch = query.shape[0], nq = query.shape[1], nk = key.shape[1], headDim = _dim / _heads;
        var weights = in_proj_weight.chunk(3, 0);
        var biases = in_proj_bias.chunk(3, 0);
        var q = nn.functional.linear(query, weights[0], biases[0]) * (1.0 / Math.Sqrt(headDim));
        var k = nn.functional.linear(key, weights[1], biases[1]);
        var v = nn.functional.linear(value, weights[2], biases[2]);

        q = q.reshape(batch, nq, _heads, headDim).transpose(1, 2);                  // [B, H, Nq, dh]
        k = k.reshape(batch, nk, _heads, headDim).transpose(1, 2);                  // [B, H, Nk, dh]
        v = v.reshape(batch, nk, _heads, headDim).transpose(1, 2);                  // [B, H, Nk, dh]
        var logits = q.matmul(k.transpose(-2, -1));                                 // [B, H, Nq, Nk]
        if (blocked is not null)
        {
            logits = logits.masked_fill(blocked, float.NegativeInfinity);
        }

        var attention = logits.softmax(-1);
        var output = attention.matmul(v).transpose(1, 2).reshape(batch, nq, _dim); // [B, Nq, d]
        return out_proj.call(output).MoveToOuterDisposeScope();
    }
}
