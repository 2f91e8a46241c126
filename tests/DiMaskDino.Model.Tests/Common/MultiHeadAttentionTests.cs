using DiMaskDino.Model.Attention;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.Common;

public sealed class MultiHeadAttentionTests
{
    [Fact]
    public void Blocked_keys_do_not_influence_the_output()
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        using var attention = new MultiHeadAttention(32, 4);
        var query = randn(2, 3, 32);
        var keys = randn(2, 5, 32);
        var blocked = zeros(3, 5, dtype: @bool);
        blocked[TensorIndex.Colon, 4] = tensor(true);

        var output = attention.call(query, keys, keys, blocked);
        var changed = keys.clone();
        changed[TensorIndex.Colon, 4] = randn(2, 32);
        var outputChanged = attention.call(query, changed, changed, blocked);
        var unblocked = attention.call(query, changed, changed, null);

        Assert.Equal(new long[] { 2, 3, 32 }, output.shape);
        Assert.True(output.allclose(outputChanged, atol: 1e-6));
        Assert.False(output.allclose(unblocked, atol: 1e-3));
    }

    [Fact]
    public void Single_key_attention_is_the_out_projection_of_the_value_projection()
    {
        using var scope = NewDisposeScope();
        manual_seed(12);
        using var attention = new MultiHeadAttention(16, 2);
        var query = randn(1, 4, 16);
        var key = randn(1, 1, 16);

        var output = attention.call(query, key, key, null);                        // softmax over one key = 1
        var weights = attention.InProjectionWeight.chunk(3, 0);
        var biases = attention.InProjectionBias.chunk(3, 0);
        var expected = attention.OutProjection.call(nn.functional.linear(key, weights[2], biases[2])).expand(1, 4, 16);

        Assert.True(output.allclose(expected, atol: 1e-5));
        Assert.Equal(4 * 16 * 16 + 4 * 16, attention.parameters().Sum(p => p.numel()));
    }
}
