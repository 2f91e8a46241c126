// A bias-free convolution followed by GroupNorm(32) and an optional ReLU (model.md §3.6), with detectron2's
// layers.Conv2d parameter layout (facebookresearch/detectron2, detectron2/layers/wrappers.py, Apache-2.0):
// "weight" on the conv itself and the norm as child "norm". Init c2_xavier_fill: Kaiming-uniform a = 1.

using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiMaskDino.Model.PixelDecoder;

/// <summary>Conv(k×k, stride 1, pad k/2, no bias) → GN(32 groups, ε 1e-5) → ReLU if requested.</summary>
public sealed class NormConv2d : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly GroupNorm norm;
    private readonly long _padding;
    private readonly bool _relu;

    /// <param name="inChannels">input channels</param>
    /// <param name="outChannels">output channels (divisible by 32)</param>
    /// <param name="kernelSize">odd kernel size; padding keeps the spatial size</param>
    /// <param name="relu">apply ReLU after the norm</param>
    public NormConv2d(long inChannels, long outChannels, int kernelSize, bool relu) : base(nameof(NormConv2d))
    {
        if (kernelSize < 1 || kernelSize % 2 == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(kernelSize), kernelSize, "kernel size must be odd and positive");
        }

        weight = nn.Parameter(empty(outChannels, inChannels, kernelSize, kernelSize));
        norm = nn.GroupNorm(32, outChannels, eps: 1e-5);
        _padding = kernelSize / 2;
        _relu = relu;
        RegisterComponents();

        using var noGrad = no_grad();
        nn.init.kaiming_uniform_(weight, a: 1);
        norm.weight.fill_(1);                           // TorchSharp 0.107's GroupNorm leaves its affine uninitialised
        norm.bias!.zero_();
    }

    public Parameter Weight => weight;

    /// <param name="input">[B, C_in, H, W]</param>
    /// <returns>[B, C_out, H, W]</returns>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = norm.call(nn.functional.conv2d(input, weight, padding: [_padding, _padding]));
        return (_relu ? nn.functional.relu(x) : x).MoveToOuterDisposeScope();
    }
}
