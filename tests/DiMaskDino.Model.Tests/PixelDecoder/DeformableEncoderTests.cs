using DiMaskDino.Model.Common;
using DiMaskDino.Model.PixelDecoder;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.PixelDecoder;

public sealed class DeformableEncoderTests
{
    [Fact]
    public void Reference_points_are_pixel_centres_in_row_major_order_per_level()
    {
        using var scope = NewDisposeScope();
        var levels = new LevelShapes([(2, 4), (1, 2)]);

        var points = DeformableEncoder.ReferencePoints(levels);                                 // [10, 2]

        Assert.Equal(new long[] { 10, 2 }, points.shape);
        float[] expected =
        [
            0.125f, 0.25f, 0.375f, 0.25f, 0.625f, 0.25f, 0.875f, 0.25f,
            0.125f, 0.75f, 0.375f, 0.75f, 0.625f, 0.75f, 0.875f, 0.75f,
            0.25f, 0.5f, 0.75f, 0.5f,
        ];
        Assert.Equal(expected, points.data<float>().ToArray());
    }

    [Theory]
    [InlineData(128, 512, 4, 190_016)]      // TINY
    [InlineData(256, 2048, 8, 1_282_176)]   // paper
    public void Encoder_layer_parameter_count_matches_model_md(int dim, int ffn, int heads, long expected)
    {
        using var layer = new DeformableEncoderLayer(dim, ffn, levels: 4, heads, points: 4);
        Assert.Equal(expected, layer.parameters().Sum(p => p.numel()));
        var names = layer.named_parameters().Select(p => p.name).ToHashSet();
        Assert.Contains("self_attn.sampling_offsets.bias", names);
        Assert.Contains("norm1.weight", names);
        Assert.Contains("linear1.weight", names);
        Assert.Contains("linear2.bias", names);
        Assert.Contains("norm2.bias", names);
    }

    [Fact]
    public void Encoder_layer_output_is_layer_normalised_and_position_enters_through_the_offsets_only()
    {
        using var scope = NewDisposeScope();
        manual_seed(31);
        using var layer = new DeformableEncoderLayer(64, 128, levels: 2, heads: 4, points: 2);
        var levels = new LevelShapes([(4, 4), (2, 2)]);
        var source = randn(2, 20, 64);
        var position = randn(1, 20, 64);
        var reference = DeformableEncoder.ReferencePoints(levels).view(1, 20, 1, 2).expand(2, 20, 2, 2);

        var output = layer.call(source, zeros(1, 20, 64), reference, levels);

        Assert.Equal(new long[] { 2, 20, 64 }, output.shape);
        Assert.True(output.mean([-1]).abs().max().item<float>() < 1e-5);                       // LN₂ last, weight 1 bias 0
        Assert.True(output.std([-1], unbiased: false).sub(1).abs().max().item<float>() < 1e-3);
        // At init the MSDA ignores its query (§14.2 item 4), so the position changes nothing ...
        Assert.True(output.allclose(layer.call(source, position, reference, levels), atol: 1e-5));
        // ... until the offset projection has weights.
        using (no_grad())
        {
            layer.SelfAttention.SamplingOffsets.weight!.normal_(0, 0.05);
        }

        var trained = layer.call(source, zeros(1, 20, 64), reference, levels);
        Assert.False(trained.allclose(layer.call(source, position, reference, levels), atol: 1e-3));
    }
}
