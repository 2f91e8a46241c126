// Parity of the convolutional and dense emitters with TorchSharp on random inputs and weights (model.md §13.2).

using DiMaskDino.Model.Backbone;
using DiMaskDino.Model.Common;
using DiMaskDino.Model.Export;
using DiMaskDino.Model.PixelDecoder;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.Export;

public sealed class LayerEmitterTests(ITestOutputHelper log)
{
    private const double Exact = 1e-5;

    [Fact]
    public void Strided_padded_conv_with_bias_matches_torchsharp()
    {
        manual_seed(11);
        using var conv = nn.Conv2d(6, 8, kernel_size: 3, stride: 2, padding: 1);
        using var x = randn(2, 6, 9, 10);
        using var expected = conv.call(x);
        using var actual = OrtParity.RunSingle(x, (g, input) => LayerEmitters.Conv2d(g, input, conv));
        OrtParity.AssertClose(log, "conv", expected, actual, Exact);
    }

    [Fact]
    public void Conv_with_folded_frozen_batch_norm_matches_conv_then_bn()
    {
        manual_seed(12);
        using var conv = nn.Conv2d(4, 8, kernel_size: 7, stride: 2, padding: 3, bias: false);
        using var bn = new FrozenBatchNorm2d(8);
        ExportTestModels.Randomize(bn);
        using var x = randn(2, 4, 16, 16);
        using var expected = bn.call(conv.call(x));
        using var actual = OrtParity.RunSingle(x, (g, input) => LayerEmitters.Conv2dFrozenBn(g, input, conv, bn));
        OrtParity.AssertClose(log, "conv+frozenbn", expected, actual, Exact);
    }

    [Theory]
    [InlineData(WeightPrecision.Float16)]
    [InlineData(WeightPrecision.Int8)]
    public void Lossy_folded_conv_rounds_the_conv_weight_in_place_and_matches_conv_then_bn(WeightPrecision precision)
    {
        manual_seed(15);
        using var conv = nn.Conv2d(16, 32, kernel_size: 3, stride: 1, padding: 1, bias: true);
        using var bn = new FrozenBatchNorm2d(32);
        ExportTestModels.Randomize(bn);
        using var x = randn(2, 16, 8, 8);
        using var original = conv.weight!.detach().clone();
        using var actual = OrtParity.RunSingle(x, (g, input) => LayerEmitters.Conv2dFrozenBn(g, input, conv, bn), precision);

        // The module now holds the stored (rounded) weight, and conv → bn with it is what the graph computes.
        using var change = (conv.weight!.detach() - original).abs().max();
        log.WriteLine($"{precision}: largest change of a weight by rounding {change.item<float>():E2}");
        Assert.True(change.item<float>() > 0);
        using var expected = bn.call(conv.call(x));
        OrtParity.AssertClose(log, $"conv+frozenbn {precision}", expected, actual, Exact);
    }

    [Fact]
    public void Relu_maxpool_and_add_match_the_resnet_stem_ops()
    {
        manual_seed(13);
        using var x = randn(2, 3, 11, 12);
        using var pooled = nn.functional.max_pool2d(nn.functional.relu(x), kernel_size: 3, stride: 2, padding: 1);
        using var expected = pooled + pooled;
        using var actual = OrtParity.RunSingle(x, (g, input) =>
        {
            var y = LayerEmitters.MaxPool(g, OnnxOps.Relu(g, input), kernel: 3, stride: 2, padding: 1);
            return OnnxOps.Add(g, y, y);
        });
        OrtParity.AssertClose(log, "relu/maxpool/add", expected, actual, 0);
    }

    [Fact]
    public void Linear_and_mlp_match_torchsharp()
    {
        manual_seed(14);
        using var mlp = new Mlp(16, 24, 5, numLayers: 3);
        ExportTestModels.Randomize(mlp);
        using var x = randn(2, 7, 16);
        using var expected = mlp.call(x);
        using var actual = OrtParity.RunSingle(x, (g, input) => LayerEmitters.Mlp(g, input, mlp));
        OrtParity.AssertClose(log, "mlp", expected, actual, Exact);
    }

    [Fact]
    public void Layer_norm_matches_torchsharp()
    {
        manual_seed(15);
        using var norm = nn.LayerNorm(32, eps: 1e-5);
        ExportTestModels.Randomize(norm);
        using var x = randn(2, 9, 32) * 3 + 1;
        using var expected = norm.call(x);
        using var actual = OrtParity.RunSingle(x, (g, input) => LayerEmitters.LayerNorm(g, input, norm));
        OrtParity.AssertClose(log, "layernorm", expected, actual, Exact);
    }

    [Fact]
    public void Group_norm_32_via_instance_normalization_matches_torchsharp()
    {
        manual_seed(16);
        using var norm = nn.GroupNorm(32, 128, eps: 1e-5);
        ExportTestModels.Randomize(norm);
        using var x = randn(2, 128, 5, 6) * 2 + 0.5;
        using var expected = norm.call(x);
        using var actual = OrtParity.RunSingle(x, (g, input) => LayerEmitters.GroupNorm(g, input, norm));
        OrtParity.AssertClose(log, "groupnorm", expected, actual, Exact);
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(3, true)]
    public void Norm_conv_matches_torchsharp(int kernel, bool relu)
    {
        manual_seed(17);
        using var module = new NormConv2d(16, 64, kernel, relu);
        ExportTestModels.Randomize(module);
        using var x = randn(2, 16, 8, 8);
        using var expected = module.call(x);
        using var actual = OrtParity.RunSingle(x, (g, input) => LayerEmitters.NormConv2d(g, input, module, relu));
        OrtParity.AssertClose(log, $"normconv k{kernel} relu={relu}", expected, actual, Exact);
        if (relu)
        {
            Assert.True(actual.min().item<float>() >= 0);
        }
    }
}
