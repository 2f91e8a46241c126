using DiMaskDino.Model.Attention;
using DiMaskDino.Model.Common;
using DiMaskDino.Model.Tests.Common;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.PixelDecoder;

public sealed class MultiScaleDeformableAttentionTests
{
    [Fact]
    public void Zero_offset_msda_with_one_point_at_a_pixel_centre_returns_that_pixel_projected()
    {
        using var scope = NewDisposeScope();
        manual_seed(21);
        using var msda = new MultiScaleDeformableAttention(64, levels: 1, heads: 4, points: 1);
        ZeroOffsets(msda);
        var levels = new LevelShapes([(3, 5)]);
        var value = randn(1, 15, 64);
        var reference = tensor(new[] { (3 + 0.5f) / 5, (1 + 0.5f) / 3 }).view(1, 1, 1, 2);   // pixel (i 1, j 3)

        var output = msda.call(randn(1, 1, 64), reference, value, levels);

        var pixel = value[TensorIndex.Colon, TensorIndex.Slice(1 * 5 + 3, 1 * 5 + 4)];         // [1, 1, 64]
        var expected = msda.OutputProjection.call(msda.ValueProjection.call(pixel));
        Assert.True(output.allclose(expected, atol: 1e-5));
    }

    [Fact]
    public void Zero_offset_msda_with_any_attention_weights_returns_the_bilinear_sample_at_the_reference()
    {
        using var scope = NewDisposeScope();
        manual_seed(22);
        using var msda = new MultiScaleDeformableAttention(32, levels: 1, heads: 4, points: 4);
        ZeroOffsets(msda);
        using (no_grad())
        {
            msda.AttentionWeights.weight!.normal_();                                           // non-uniform weights
            msda.AttentionWeights.bias!.normal_();
        }

        var levels = new LevelShapes([(4, 6)]);
        var value = randn(1, 24, 32);
        // Pixel coordinates (x, y) = (1.25, 0.75): between columns 1, 2 and rows 0, 1.
        var reference = tensor(new[] { (1.25f + 0.5f) / 6, (0.75f + 0.5f) / 4 }).view(1, 1, 1, 2);

        var output = msda.call(randn(1, 1, 32), reference, value, levels);

        var projected = msda.ValueProjection.call(value);                                      // [1, 24, 32]
        Tensor Pixel(long i, long j) => projected[0, i * 6 + j];
        var sample = 0.25 * 0.75 * Pixel(0, 1) + 0.25 * 0.25 * Pixel(0, 2)
                     + 0.75 * 0.75 * Pixel(1, 1) + 0.75 * 0.25 * Pixel(1, 2);                  // [32]
        var expected = msda.OutputProjection.call(sample.view(1, 1, 32));
        Assert.True(output.allclose(expected, atol: 1e-5));
    }

    [Fact]
    public void Box_reference_scales_offsets_by_half_the_box_size_over_the_point_count()
    {
        using var scope = NewDisposeScope();
        manual_seed(23);
        using var msda = new MultiScaleDeformableAttention(32, levels: 1, heads: 4, points: 4);
        ZeroOffsets(msda);
        using (no_grad())
        {
            msda.SamplingOffsets.bias![TensorIndex.Slice(0, null, 2)] = tensor(1f);           // unit x-offset everywhere
        }

        var levels = new LevelShapes([(3, 10)]);
        var value = randn(1, 30, 32);
        // Box (0.25, 0.5, 0.4, 0.3): (1/4)·0.4·0.5 = 0.05 → x 0.30 = pixel coordinate 2.5, row 1 centre.
        var box = tensor(new[] { 0.25f, 0.5f, 0.4f, 0.3f }).view(1, 1, 1, 4);

        var output = msda.call(randn(1, 1, 32), box, value, levels);

        var projected = msda.ValueProjection.call(value);
        var expected = msda.OutputProjection.call((0.5 * (projected[0, 10 + 2] + projected[0, 10 + 3])).view(1, 1, 32));
        var unshifted = msda.OutputProjection.call(projected[0, 10 + 2].view(1, 1, 32)); // would be x 0.25
        Assert.True(output.allclose(expected, atol: 1e-5));
        Assert.False(output.allclose(unshifted, atol: 1e-3));
    }

    [Fact]
    public void Initial_msda_output_does_not_depend_on_the_query_content()
    {
        using var scope = NewDisposeScope();
        manual_seed(24);
        using var msda = new MultiScaleDeformableAttention(128, levels: 4, heads: 4, points: 4);
        var levels = new LevelShapes([(8, 8), (4, 4), (2, 2), (1, 1)]);
        var value = randn(1, levels.TotalTokens, 128);
        var reference = tensor(new[] { 0.3f, 0.6f }).view(1, 1, 1, 2).expand(1, 2, 4, 2);       // same point, 2 queries
        var queries = randn(1, 2, 128) * 3;

        var output = msda.call(queries, reference, value, levels);
        Assert.True(output[0, 0].allclose(output[0, 1], atol: 1e-5));

        // Once the offset weights are trained the queries differ again (so the check above can fail).
        using (no_grad())
        {
            msda.SamplingOffsets.weight!.normal_(0, 0.02);                                    // offsets of ~0.3 pixel
        }

        var trained = msda.call(queries, reference, value, levels);
        Assert.False(trained[0, 0].allclose(trained[0, 1], atol: 1e-3));
    }

    public static TheoryData<int, float[]> Directions => new()
    {
        { 4, [1, 0, 0, 1, -1, 0, 0, -1] },
        { 8, [1, 0, 1, 1, 0, 1, -1, 1, -1, 0, -1, -1, 0, -1, 1, -1] },
    };

    [Theory]
    [MemberData(nameof(Directions))]
    public void Initial_offset_bias_is_the_head_direction_pattern_times_point_index(int heads, float[] directions)
    {
        using var scope = NewDisposeScope();
        const int levels = 4, points = 4;
        using var msda = new MultiScaleDeformableAttention(heads * 16, levels, heads, points);

        var bias = msda.SamplingOffsets.bias!.data<float>().ToArray();
        Assert.Equal(heads * levels * points * 2, bias.Length);
        for (var h = 0; h < heads; h++)
        {
            for (var l = 0; l < levels; l++)
            {
                for (var p = 0; p < points; p++)
                {
                    var index = ((h * levels + l) * points + p) * 2;                            // §3.4 flat index
                    Assert.Equal(directions[2 * h] * (p + 1), bias[index], 1e-5);
                    Assert.Equal(directions[2 * h + 1] * (p + 1), bias[index + 1], 1e-5);
                }
            }
        }

        Assert.Equal(0, msda.SamplingOffsets.weight!.abs().max().item<float>());
        Assert.Equal(0, msda.AttentionWeights.weight!.abs().max().item<float>());
        Assert.Equal(0, msda.AttentionWeights.bias!.abs().max().item<float>());
        Assert.Equal(0, msda.ValueProjection.bias!.abs().max().item<float>());
        Assert.Equal(0, msda.OutputProjection.bias!.abs().max().item<float>());
        // Xavier-uniform bound √(6 / (d + d)).
        var bound = InitBounds.Xavier(heads * 16, heads * 16);
        Assert.InRange(msda.ValueProjection.weight!.abs().max().item<float>(), 0.8 * bound, bound);
    }

    [Theory]
    [InlineData(128, 4, 57_792)]        // TINY
    [InlineData(256, 8, 230_272)]       // paper
    public void Parameter_count_matches_model_md(int dim, int heads, long expected)
    {
        using var msda = new MultiScaleDeformableAttention(dim, levels: 4, heads, points: 4);
        Assert.Equal(expected, msda.parameters().Sum(p => p.numel()));
        Assert.Equal(
            ["sampling_offsets.weight", "sampling_offsets.bias", "attention_weights.weight", "attention_weights.bias",
             "value_proj.weight", "value_proj.bias", "output_proj.weight", "output_proj.bias"],
            msda.named_parameters().Select(p => p.name));
    }

    private static void ZeroOffsets(MultiScaleDeformableAttention msda)
    {
        using var noGrad = no_grad();
        msda.SamplingOffsets.weight!.zero_();
        msda.SamplingOffsets.bias!.zero_();
    }
}
