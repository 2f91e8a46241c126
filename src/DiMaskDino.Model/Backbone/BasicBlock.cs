// torchvision's BasicBlock (torchvision/models/resnet.py, BSD-3-Clause) with frozen batch norm; field names
// follow it so that state_dict keys match torchvision's (layerN.i.conv1.weight, layerN.i.bn1.running_mean, ...).

using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Backbone;

/// <summary>
/// conv3×3(stride) → BN → ReLU → conv3×3 → BN, plus the shortcut (identity, or <c>downsample</c> = 1×1 conv(stride)
/// → BN when the shape changes), then ReLU. Output channels = <c>planes</c> (expansion 1).
/// </summary>
internal sealed class BasicBlock : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv1;
    private readonly FrozenBatchNorm2d bn1;
    private readonly Conv2d conv2;
    private readonly FrozenBatchNorm2d bn2;
    private readonly Sequential? downsample;

    /// <param name="inplanes">input channels</param>
    /// <param name="planes">output channels</param>
    /// <param name="stride">1, or 2 for the first block of layer2..layer4</param>
    /// <param name="downsample">projection shortcut, or null for identity</param>
    public BasicBlock(long inplanes, long planes, long stride, Sequential? downsample) : base(nameof(BasicBlock))
    {
        conv1 = nn.Conv2d(inplanes, planes, kernel_size: 3, stride: stride, padding: 1, bias: false);
        bn1 = new FrozenBatchNorm2d(planes);
        conv2 = nn.Conv2d(planes, planes, kernel_size: 3, stride: 1, padding: 1, bias: false);
        bn2 = new FrozenBatchNorm2d(planes);
        this.downsample = downsample;
        RegisterComponents();
    }

    /// <param name="input">[B, inplanes, H, W]</param>
    /// <returns>[B, planes, H/stride, W/stride]; temporaries belong to the caller's dispose scope</returns>
    public override Tensor forward(Tensor input)
    {
        var identity = downsample is null ? input : downsample.call(input);
        var output = nn.functional.relu(bn1.call(conv1.call(input)));
        output = bn2.call(conv2.call(output));
        return output.add_(identity).relu_();
    }
}
