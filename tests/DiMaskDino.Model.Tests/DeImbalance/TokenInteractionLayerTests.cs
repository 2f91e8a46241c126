using DiMaskDino.Model.DeImbalance;
using TorchSharp.Modules;
using DiMaskDino.Model.Tests.Heads;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.DeImbalance;

public sealed class TokenInteractionLayerTests
{
    [Fact]
    public void Tiny_token_interaction_layer_has_198272_parameters()
    {
        using var layer = new TokenInteractionLayer(128, 4, 512);

        Assert.Equal(198_272, layer.parameters().Sum(p => p.numel()));
        Assert.Equal(
            ["self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight", "self_attn.out_proj.bias",
             "norm1.weight", "norm1.bias", "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias",
             "norm2.weight", "norm2.bias"],
            layer.named_parameters().Select(p => p.name));
    }

    [Fact]
    public void Paper_token_interaction_layer_has_1315072_parameters()
    {
        using var layer = new TokenInteractionLayer(256, 8, 2048);

        Assert.Equal(1_315_072, layer.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void Layer_is_post_norm_self_attention_then_feed_forward()
    {
        using var scope = NewDisposeScope();
        manual_seed(21);
        using var layer = new TokenInteractionLayer(32, 4, 64);
        var content = randn(2, 7, 32);
        var position = randn(2, 7, 32);

        var output = layer.call(content, position);

        var parameters = layer.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var attention = nn.functional.scaled_dot_product_attention(
            Project(content + position, parameters, 0), Project(content + position, parameters, 1), Project(content, parameters, 2));
        var merged = attention.transpose(1, 2).reshape(2, 7, 32);
        var attended = nn.functional.linear(merged, parameters["self_attn.out_proj.weight"], parameters["self_attn.out_proj.bias"]);
        var x = nn.functional.layer_norm(content + attended, [32], parameters["norm1.weight"], parameters["norm1.bias"]);
        var ffn = nn.functional.linear(
            nn.functional.relu(nn.functional.linear(x, parameters["linear1.weight"], parameters["linear1.bias"])),
            parameters["linear2.weight"], parameters["linear2.bias"]);
        var expected = nn.functional.layer_norm(x + ffn, [32], parameters["norm2.weight"], parameters["norm2.bias"]);
        Assert.True(allclose(output, expected, rtol: 1e-4, atol: 1e-5));
    }

    [Fact]
    public void Copy_has_identical_but_independent_weights()
    {
        using var layer = new TokenInteractionLayer(32, 4, 64);
        using var copy = layer.Copy();

        Assert.All(layer.parameters().Zip(copy.parameters()), pair => Assert.True(TensorAssert.Same(pair.First, pair.Second)));
        using (no_grad())
        {
            copy.parameters().First().add_(1);
        }

        Assert.False(TensorAssert.Same(layer.parameters().First(), copy.parameters().First()));
    }

    [Fact]
    public void Self_attention_layer_is_permutation_equivariant()
    {
        using var scope = NewDisposeScope();
        manual_seed(22);
        using var layer = new TokenInteractionLayer(32, 4, 64);
        var content = randn(1, 9, 32);
        var position = randn(1, 9, 32);
        var permutation = randperm(9);

        var output = layer.call(content, position);
        var permuted = layer.call(content.index_select(1, permutation), position.index_select(1, permutation));

        Assert.True(allclose(permuted, output.index_select(1, permutation), rtol: 1e-4, atol: 1e-5));
    }

    private static Tensor Project(Tensor input, Dictionary<string, Parameter> parameters, int part)
    {
        var weight = parameters["self_attn.in_proj_weight"].chunk(3, 0)[part];
        var bias = parameters["self_attn.in_proj_bias"].chunk(3, 0)[part];
        return nn.functional.linear(input, weight, bias).reshape(input.shape[0], input.shape[1], 4, 8).transpose(1, 2);
    }
}
