// The backbone emitter on a bottleneck ResNet (the paper's block type; the TINY preset only exercises basic blocks)
// and the exporter's input-size rule (model.md §2, §13.1).

using DiMaskDino.Model.Backbone;
using DiMaskDino.Model.Export;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.Export;

public sealed class BackboneExportTests(ITestOutputHelper log)
{
    [Fact]
    public void Bottleneck_resnet_export_matches_torchsharp_res2_to_res5()
    {
        manual_seed(51);
        using var resnet = new ResNet(new ResNetConfig(ResNetBlockKind.Bottleneck, [1, 1, 1, 1]));
        ExportTestModels.Randomize(resnet);
        resnet.eval();
        using var images = randn(2, 3, 64, 64);
        using var expected = resnet.call(images);

        var g = new OnnxGraphBuilder("resnet");
        g.AddInput("images", OnnxGraphBuilder.BatchDim, 3L, 64L, 64L);
        var outputs = BackboneEmitter.Emit(g, "images", resnet);
        string[] names = [outputs.Res2, outputs.Res3, outputs.Res4, outputs.Res5];
        for (var i = 0; i < names.Length; i++)
        {
            g.AddOutputWithoutShape($"res{i + 2}", names[i]);
        }

        var actual = OrtParity.Run(g.ToBytes(), [("images", images)], ["res2", "res3", "res4", "res5"]);
        Tensor[] reference = [expected.Res2, expected.Res3, expected.Res4, expected.Res5];
        for (var i = 0; i < reference.Length; i++)
        {
            OrtParity.AssertClose(log, $"bottleneck res{i + 2}", reference[i], actual[i], 1e-4);
        }

        Assert.Equal(new long[] { 2, 2048, 2, 2 }, actual[3].shape);
    }

    [Theory]
    [InlineData(128, 128, 16, 16, 2, 2)]
    [InlineData(96, 160, 12, 20, 2, 3)]
    public void Level_sizes_follow_the_rounded_up_strides(int height, int width, long h8, long w8, long h64, long w64)
    {
        var (res2, levels) = OnnxExporter.SizesFor(height, width);
        Assert.Equal((height / 4L, width / 4L), res2);
        Assert.Equal((h8, w8), levels.Sizes[0]);
        Assert.Equal((h64, w64), levels.Sizes[3]);
    }

    [Fact]
    public void Input_size_must_be_a_multiple_of_32()
    {
        Assert.Throws<ArgumentException>(() => OnnxExporter.SizesFor(100, 128));
    }
}
