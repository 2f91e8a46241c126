using DiMaskDino.Model.Backbone;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests;

public sealed class ResNetTests
{
    public static TheoryData<ResNetBlockKind, int[], int[]> Configs => new()
    {
        { ResNetBlockKind.Basic, [2, 2, 2, 2], [64, 128, 256, 512] },      // ResNet-18
        { ResNetBlockKind.Basic, [2, 2, 2, 3], [64, 128, 256, 512] },      // CNTK "ResNet18"
        { ResNetBlockKind.Bottleneck, [3, 4, 6, 3], [256, 512, 1024, 2048] }, // ResNet-50
    };

    [Theory]
    [MemberData(nameof(Configs))]
    public void Backbone_outputs_res2_to_res5_at_strides_4_to_32(ResNetBlockKind block, int[] blocks, int[] channels)
    {
        using var scope = NewDisposeScope();
        using var resnet = new ResNet(new ResNetConfig(block, blocks));
        resnet.eval();

        using var noGrad = no_grad();
        using var features = resnet.call(rand(2, 3, 128, 128) * 255);

        // model.md §2 at 128²: 32×32, 16×16, 8×8, 4×4.
        Assert.Equal(new long[] { 2, channels[0], 32, 32 }, features.Res2.shape);
        Assert.Equal(new long[] { 2, channels[1], 16, 16 }, features.Res3.shape);
        Assert.Equal(new long[] { 2, channels[2], 8, 8 }, features.Res4.shape);
        Assert.Equal(new long[] { 2, channels[3], 4, 4 }, features.Res5.shape);
        Assert.Equal(channels, resnet.Config.OutChannels);
    }

    [Fact]
    public void State_dict_uses_torchvision_names()
    {
        using var resnet = new ResNet(ResNetConfig.CntkResNet18);
        var keys = resnet.state_dict().Keys.ToHashSet();

        Assert.Contains("conv1.weight", keys);
        Assert.Contains("bn1.running_var", keys);
        Assert.Contains("layer1.1.conv2.weight", keys);
        Assert.Contains("layer2.0.downsample.0.weight", keys);
        Assert.Contains("layer4.2.bn2.bias", keys);
        Assert.DoesNotContain("layer1.0.downsample.0.weight", keys);
        Assert.DoesNotContain(keys, k => k.StartsWith("fc.", StringComparison.Ordinal));
        Assert.Equal(110, keys.Count); // 22 convs + 22 × 4 BN buffers, as in the CNTK file
    }

    [Fact]
    public void Only_conv_weights_are_trainable_and_they_receive_gradients()
    {
        using var scope = NewDisposeScope();
        using var resnet = new ResNet(ResNetConfig.ResNet18);
        int convs = resnet.modules().Count(m => m is Conv2d);

        var parameters = resnet.named_parameters().ToList();
        Assert.Equal(convs, parameters.Count);
        Assert.All(parameters, p => Assert.EndsWith(".weight", p.name));
        Assert.All(parameters, p => Assert.Equal(4, p.parameter.dim()));

        using var features = resnet.call(rand(1, 3, 64, 64));
        features.Res5.sum().backward();
        Assert.All(parameters, p => Assert.NotNull(p.parameter.grad));
    }

    [Fact]
    public void Forward_leaves_no_live_tensors_besides_its_outputs()
    {
        using var resnet = new ResNet(ResNetConfig.ResNet18);
        using var input = rand(1, 3, 64, 64);
        TorchSharp.DisposeScopeManager.Statistics.Reset();

        using (no_grad())
        {
            using var features = resnet.call(input);
        }

        Assert.Equal(0, TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
