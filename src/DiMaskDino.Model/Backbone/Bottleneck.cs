// torchvision's Bottleneck (torchvision/models/resnet.py, BSD-3-Clause; stride on the 3×3 conv, "ResNet v1.5",
// as detectron2 with STRIDE_IN_1X1 = False) with frozen batch norm; field names follow torchvision.

using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Backbone;

/// <summary>
/// conv1×1 → BN → ReLU → conv3×3(stride) → BN → ReLU → conv1×1 → BN, plus the shortcut (identity, or
/// <c>downsample</c> = 1×1 conv(stride) → BN), then ReLU. Output channels = 4·<c>planes</c>.
/// </summary>
internal sealed class Bottleneck : nn.Module<Tensor, Tensor>
{
    public const int Expansion = 4;

    private readonly Conv2d conv1;
    private readonly FrozenBatchNorm2d bn1;
    private readonly Conv2d conv2;
    private readonly FrozenBatchNorm2d bn2;
    private readonly Conv2d conv3;
    private readonly FrozenBatchNorm2d bn3;
    private readonly Sequential? downsample;

    /// <param name="inplanes">input channels</param>
    /// <param name="planes">bottleneck width; output channels are 4·planes</param>
    /// <param name="stride">1, or 2 for the first block of layer2..layer4</param>
    /// <param name="downsample">projection shortcut, or null for identity</param>
    public Bottleneck(long inplanes, long planes, long stride, Sequential? downsample) : base(nameof(Bottleneck))
    {
        conv1 = nn.Conv2d(inplanes, planes, kernel_size: 1, bias: false);
        bn1 = new FrozenBatchNorm2d(planes);
        conv2 = nn.Conv2d(planes, planes, kernel_size: 3, stride: stride, padding: 1, bias: false);
        bn2 = new FrozenBatchNorm2d(planes);
        conv3 = nn.Conv2d(planes, planes * Expansion, kernel_size: 1, bias: false);
        bn3 = new FrozenBatchNorm2d(planes * Expansion);
        this.downsample = downsample;
        RegisterComponents();
    }

    /// <param name="input">[B, inplanes, H, W]</param>
    /// <returns>[B, 4·planes, H/stride, W/stride]; temporaries belong to the caller's dispose scope</returns>
    public override Tensor forward(Tensor input)
    {
        var identity = downsample is null ? input : downsample.call(input);
        var output = nn.functional.relu(bn1.call(conv1.call(input)));
        output = nn.functional.relu(bn2.call(conv2.call(output)));
        output = bn3.call(conv3.call(output));
        return output.add_(identity).relu_();
    }
}
