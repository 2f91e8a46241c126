using TorchSharp;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests;

/// <summary>
/// Proves the native library loads: on Debian 12 this passes only because the build patched the output copy of
/// libLibTorchSharp.so (build/TorchSharpNativeFix.targets, docs/torchsharp-on-debian.md).
/// </summary>
public sealed class TorchInitialisationTests
{
    [Fact]
    public void Tiny_conv_forward_and_backward_run_on_the_cpu()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        using var conv = nn.Conv2d(2, 3, kernel_size: 3, padding: 1);
        var input = randn(1, 2, 5, 5, requires_grad: true);

        var output = conv.call(input);
        output.square().sum().backward();

        Assert.Equal(new long[] { 1, 3, 5, 5 }, output.shape);
        Assert.NotNull(input.grad);
        Assert.NotNull(conv.weight!.grad);
        Assert.True(conv.weight.grad!.abs().sum().item<float>() > 0);
        Assert.True(isfinite(input.grad!).all().item<bool>());
    }
}
