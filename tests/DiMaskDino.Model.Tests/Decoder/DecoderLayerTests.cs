using DiMaskDino.Model.Common;
using DiMaskDino.Model.Decoder;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.Decoder;

public sealed class DecoderLayerTests
{
    private static readonly LevelShapes Decoder128 = new([(2, 2), (4, 4), (8, 8), (16, 16)]);

    [Theory]
    [InlineData(128, 4, 512, 256_320)]   // TINY (model.md §14.2 #18)
    [InlineData(256, 8, 2048, 1_545_856)] // paper (§11)
    public void Decoder_layer_has_the_specified_parameter_count(int dim, int heads, int ffn, long expected)
    {
        using var layer = new DecoderLayer(dim, heads, ffn, 4, 4);
        Assert.Equal(expected, layer.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void Decoder_layer_uses_maskdino_weight_names_in_call_order()
    {
        using var layer = new DecoderLayer(128, 4, 512, 4, 4);
        var prefixes = layer.named_parameters().Select(p => p.name.Split('.')[0]).Distinct().ToArray();
        Assert.Equal(new[] { "self_attn", "norm2", "cross_attn", "norm1", "linear1", "linear2", "norm3" }, prefixes);
        Assert.Contains(layer.named_parameters(), p => p.name == "cross_attn.sampling_offsets.weight");
        Assert.Contains(layer.named_parameters(), p => p.name == "self_attn.in_proj_weight");
    }

    [Fact]
    public void Blocked_denoising_rows_do_not_influence_matching_rows()
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        using var layer = new DecoderLayer(128, 4, 512, 4, 4);
        const int dn = 3, q = 5;
        var content = randn(2, dn + q, 128);
        var position = randn(2, dn + q, 128);
        var boxes = rand(2, dn + q, 4) * 0.5 + 0.25;
        var memory = randn(2, Decoder128.TotalTokens, 128);
        var blocked = zeros(dn + q, dn + q, dtype: ScalarType.Bool);
        blocked[TensorIndex.Slice(dn, null), TensorIndex.Slice(0, dn)] = tensor(true);   // matching rows never see DN

        var before = layer.call(content, position, boxes, memory, Decoder128, blocked);
        var changed = content.clone();
        changed[TensorIndex.Colon, TensorIndex.Slice(0, dn)] = randn(2, dn, 128);
        var after = layer.call(changed, position, boxes, memory, Decoder128, blocked);

        Assert.True(allclose(before[TensorIndex.Colon, TensorIndex.Slice(dn, null)], after[TensorIndex.Colon, TensorIndex.Slice(dn, null)], 1e-6, 1e-6));
        Assert.False(allclose(before[TensorIndex.Colon, TensorIndex.Slice(0, dn)], after[TensorIndex.Colon, TensorIndex.Slice(0, dn)], 1e-3, 1e-3));
        var unblocked = layer.call(changed, position, boxes, memory, Decoder128, null);
        Assert.False(allclose(before[TensorIndex.Colon, TensorIndex.Slice(dn, null)], unblocked[TensorIndex.Colon, TensorIndex.Slice(dn, null)], 1e-3, 1e-3));
    }

    [Fact]
    public void Cross_attention_reads_the_memory_with_the_box_as_reference_and_no_memory_position()
    {
        // Reproduces §7.2 step by step with the layer's own submodules: SA post-norm, MSDA with the same 4-D box on
        // every level and the raw memory as value source, FFN post-norm.
        using var scope = NewDisposeScope();
        manual_seed(12);
        using var layer = new DecoderLayer(128, 4, 512, 4, 4);
        var content = randn(1, 6, 128);
        var position = randn(1, 6, 128);
        var boxes = rand(1, 6, 4) * 0.5 + 0.25;
        var memory = randn(1, Decoder128.TotalTokens, 128);

        var parameters = layer.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        var qk = content + position;
        var sa = layer.SelfAttention.call(qk, qk, content, null);
        var x = nn.functional.layer_norm(content + sa, [128], parameters["norm2.weight"], parameters["norm2.bias"]);
        var reference = boxes.unsqueeze(2).expand(1, 6, 4, 4);
        var ca = layer.CrossAttention.call(x + position, reference, memory, Decoder128);
        x = nn.functional.layer_norm(x + ca, [128], parameters["norm1.weight"], parameters["norm1.bias"]);
        var hidden = nn.functional.relu(nn.functional.linear(x, parameters["linear1.weight"], parameters["linear1.bias"]));
        var ffn = nn.functional.linear(hidden, parameters["linear2.weight"], parameters["linear2.bias"]);
        var expected = nn.functional.layer_norm(x + ffn, [128], parameters["norm3.weight"], parameters["norm3.bias"]);

        var actual = layer.call(content, position, boxes, memory, Decoder128, null);
        Assert.True(allclose(expected, actual, 1e-5, 1e-5));
        var shifted = layer.call(content, position, boxes, memory + 1, Decoder128, null);
        Assert.False(allclose(actual, shifted, 1e-3, 1e-3));
    }
}
