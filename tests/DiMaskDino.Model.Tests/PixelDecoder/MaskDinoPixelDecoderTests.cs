using DiMaskDino.Model.Backbone;
using DiMaskDino.Model.PixelDecoder;
using DiMaskDino.Model.Tests.Common;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.PixelDecoder;

public sealed class MaskDinoPixelDecoderTests
{
    [Fact]
    public void Tiny_shapes_at_128_match_model_md()
    {
        using var scope = NewDisposeScope();
        manual_seed(41);
        using var decoder = MaskDinoPixelDecoder.FromOptions(ModelOptions.Tiny(numClasses: 10));
        using var noGrad = no_grad();

        using var output = decoder.call(RandomFeatures(2, 128, 128));

        // §14.1: projected levels 128×{16², 8², 4², 2²}, memory (2, 340, 128), mask features (2, 128, 32, 32).
        Assert.Equal(new long[] { 2, 128, 16, 16 }, output.E8.shape);
        Assert.Equal(new long[] { 2, 128, 8, 8 }, output.E16.shape);
        Assert.Equal(new long[] { 2, 128, 4, 4 }, output.E32.shape);
        Assert.Equal(new long[] { 2, 128, 2, 2 }, output.E64.shape);
        Assert.Equal(new long[] { 2, 340, 128 }, output.Memory.shape);
        Assert.Equal(new long[] { 2, 128, 32, 32 }, output.MaskFeatures.shape);
        Assert.Equal(new long[] { 0, 256, 320, 336 }, output.Levels.Starts);
        Assert.Equal([output.E8, output.E16, output.E32, output.E64], output.Maps);
        // The maps are the memory cut per level and reshaped row-major.
        Assert.True(output.E64.flatten(2).transpose(1, 2).allclose(output.Memory[TensorIndex.Colon, TensorIndex.Slice(336, 340)], rtol: 0, atol: 0));
        Assert.True(output.E8.flatten(2).transpose(1, 2).allclose(output.Memory[TensorIndex.Colon, TensorIndex.Slice(0, 256)], rtol: 0, atol: 0));
        Assert.True(isfinite(output.MaskFeatures).all().item<bool>());
    }

    [Fact]
    public void Non_square_input_rounds_the_stride_64_level_up()
    {
        using var scope = NewDisposeScope();
        manual_seed(42);
        using var decoder = MaskDinoPixelDecoder.FromOptions(ModelOptions.Tiny(numClasses: 10));
        using var noGrad = no_grad();

        // 96×160: res5 is 3×5, so the stride-64 level is ⌈3/2⌉×⌈5/2⌉ = 2×3.
        using var output = decoder.call(RandomFeatures(1, 96, 160));

        Assert.Equal(new long[] { 1, 128, 12, 20 }, output.E8.shape);
        Assert.Equal(new long[] { 1, 128, 6, 10 }, output.E16.shape);
        Assert.Equal(new long[] { 1, 128, 3, 5 }, output.E32.shape);
        Assert.Equal(new long[] { 1, 128, 2, 3 }, output.E64.shape);
        Assert.Equal(new long[] { 1, 240 + 60 + 15 + 6, 128 }, output.Memory.shape);
        Assert.Equal(new long[] { 1, 128, 24, 40 }, output.MaskFeatures.shape);
    }

    [Fact]
    public void Tiny_pixel_decoder_parameter_count_is_1_449_280_whatever_the_class_count()
    {
        using var tiny = MaskDinoPixelDecoder.FromOptions(ModelOptions.Tiny(numClasses: 10));
        using var tinyMoreClasses = MaskDinoPixelDecoder.FromOptions(ModelOptions.Tiny(numClasses: 80));

        Assert.Equal(1_449_280, tiny.parameters().Sum(p => p.numel()));
        Assert.Equal(1_449_280, tinyMoreClasses.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void Paper_pixel_decoder_parameter_count_is_14_055_424()
    {
        using var paper = MaskDinoPixelDecoder.FromOptions(ModelOptions.Paper());
        Assert.Equal(14_055_424, paper.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void Weight_names_follow_maskdino()
    {
        using var decoder = new MaskDinoPixelDecoder(64, 128, 256, 512, 64, 4, 4, 4, 128, 2);
        var names = decoder.named_parameters().Select(p => p.name).ToHashSet();

        string[] expected =
        [
            "input_proj.0.0.weight", "input_proj.0.1.bias", "input_proj.3.0.weight", "level_embed",
            "encoder.layers.1.self_attn.value_proj.weight", "encoder.layers.0.norm2.weight",
            "adapter_1.weight", "adapter_1.norm.weight", "layer_1.weight", "layer_1.norm.bias",
            "mask_features.weight", "mask_features.bias",
        ];
        Assert.All(expected, name => Assert.Contains(name, names));
        Assert.DoesNotContain("adapter_1.bias", names);
        Assert.DoesNotContain("layer_1.bias", names);
    }

    [Fact]
    public void Initialisation_follows_model_md()
    {
        using var scope = NewDisposeScope();
        manual_seed(43);
        using var decoder = new MaskDinoPixelDecoder(64, 128, 256, 512, 128, 4, 4, 4, 256, 1);
        var parameters = decoder.named_parameters().ToDictionary(p => p.name, p => p.parameter);

        // Input projections: Xavier-uniform (bound √(6/(fan_in + fan_out))), bias 0.
        var extraBound = InitBounds.Xavier(512 * 9, 128 * 9);
        Assert.InRange(parameters["input_proj.3.0.weight"].abs().max().item<float>(), 0.9 * extraBound, extraBound);
        Assert.Equal(0, parameters["input_proj.0.0.bias"].abs().max().item<float>());
        // Every GroupNorm starts at weight 1, bias 0 (TorchSharp leaves them uninitialised unless set).
        foreach (var norm in new[] { "input_proj.0.1", "input_proj.3.1", "adapter_1.norm", "layer_1.norm" })
        {
            Assert.True(parameters[norm + ".weight"].eq(1).all().item<bool>(), norm);
            Assert.True(parameters[norm + ".bias"].eq(0).all().item<bool>(), norm);
        }

        // Lateral / output / mask-feature convs: Kaiming-uniform a = 1, bound √(3 / fan_in); bias 0.
        Assert.InRange(parameters["adapter_1.weight"].abs().max().item<float>(), 0.9 * InitBounds.KaimingA1(64), InitBounds.KaimingA1(64));
        Assert.InRange(parameters["layer_1.weight"].abs().max().item<float>(), 0.9 * InitBounds.KaimingA1(1152), InitBounds.KaimingA1(1152));
        Assert.Equal(0, parameters["mask_features.bias"].abs().max().item<float>());
        // level_embed ~ N(0, 1).
        var levelEmbed = parameters["level_embed"];
        Assert.Equal(new long[] { 4, 128 }, levelEmbed.shape);
        Assert.InRange(levelEmbed.std().item<float>(), 0.85, 1.15);
        // Encoder FFN: Xavier-uniform weights.
        Assert.InRange(parameters["encoder.layers.0.linear1.weight"].abs().max().item<float>(), 0.9 * InitBounds.Xavier(128, 256), InitBounds.Xavier(128, 256));
    }

    [Fact]
    public void Forward_and_backward_leave_no_tensor_alive()
    {
        manual_seed(44);
        using var decoder = new MaskDinoPixelDecoder(64, 128, 256, 512, 64, 4, 4, 4, 128, 1);
        var features = RandomFeatures(1, 64, 64);

        var live = TensorLeakCheck.LiveTensorsAfter(() =>
        {
            // The forward runs outside any scope, so a tensor escaping it would stay alive and be counted.
            using var output = decoder.call(features);
            using var lossScope = NewDisposeScope();
            (output.MaskFeatures.square().mean() + output.E64.square().mean()).backward();
        });

        features.Dispose();
        Assert.Equal(0, live);
    }

    [Fact]
    public void Gradients_reach_every_backbone_level_and_every_parameter_but_the_level_embedding_at_init()
    {
        using var scope = NewDisposeScope();
        manual_seed(45);
        using var decoder = new MaskDinoPixelDecoder(64, 128, 256, 512, 64, 4, 4, 4, 128, 2);
        var features = RandomFeatures(1, 64, 96);
        foreach (var level in new[] { features.Res2, features.Res3, features.Res4, features.Res5 })
        {
            level.requires_grad_(true);
        }

        using var output = decoder.call(features);
        var loss = (output.MaskFeatures * randn_like(output.MaskFeatures)).sum()
                   + (output.Memory * randn_like(output.Memory)).sum();
        loss.backward();

        foreach (var level in new[] { features.Res2, features.Res3, features.Res4, features.Res5 })
        {
            Assert.NotNull(level.grad);
            Assert.True(level.grad!.abs().sum().item<float>() > 0);
        }

        // At init the MSDA queries feed only zero-weight projections (§3.4), so the level embedding, which enters
        // through the queries alone, gets exactly zero gradient; every other parameter gets some.
        var parameters = decoder.named_parameters().ToList();
        Assert.Equal(0, parameters.Single(p => p.name == "level_embed").parameter.grad!.abs().max().item<float>());
        Assert.All(parameters.Where(p => p.name != "level_embed"), p =>
        {
            Assert.True(p.parameter.grad is not null, $"{p.name} has no gradient");
            Assert.True(p.parameter.grad!.abs().sum().item<float>() > 0, $"{p.name} has a zero gradient");
        });
    }

    /// <summary>Random ResNet-18-shaped res2..res5 for an H×W input (sizes rounded up, as the backbone does).</summary>
    private static ResNetFeatures RandomFeatures(long batch, long height, long width)
    {
        long Size(long extent, int stride) => (extent + stride - 1) / stride;
        return new ResNetFeatures(
            randn(batch, 64, Size(height, 4), Size(width, 4)),
            randn(batch, 128, Size(height, 8), Size(width, 8)),
            randn(batch, 256, Size(height, 16), Size(width, 16)),
            randn(batch, 512, Size(height, 32), Size(width, 32)));
    }
}
