// The DI-MaskDINO backbone (model.md §2): a detectron2-style ResNet with frozen batch norm that returns
// res2..res5, laid out like torchvision's ResNet (torchvision/models/resnet.py, BSD-3-Clause) so its field names
// give torchvision's state_dict keys: conv1, bn1, layer1..layer4 (no fc, no avgpool: a backbone, not a classifier).

using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Backbone;

/// <summary>
/// Stem (conv7×7/s2 pad 3 → frozen BN → ReLU → maxpool 3×3/s2 pad 1), then four stages of basic or bottleneck
/// blocks; the first block of layer2..layer4 has stride 2 and every stage that changes shape starts with a
/// projection shortcut (1×1 conv + frozen BN). All conv weights are trainable (FREEZE_AT = 0); BN is frozen.
/// Pretrained weights: <see cref="ResNetWeightsImporter"/>; expected input: <see cref="PixelNormalization"/>.
/// </summary>
public sealed class ResNet : nn.Module<Tensor, ResNetFeatures>
{
    private readonly Conv2d conv1;
    private readonly FrozenBatchNorm2d bn1;
    private readonly Sequential layer1;
    private readonly Sequential layer2;
    private readonly Sequential layer3;
    private readonly Sequential layer4;

    public ResNet(ResNetConfig config) : base(nameof(ResNet))
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;

        conv1 = nn.Conv2d(3, config.StemOutChannels, kernel_size: 7, stride: 2, padding: 3, bias: false);
        bn1 = new FrozenBatchNorm2d(config.StemOutChannels);
        long inplanes = config.StemOutChannels;
        layer1 = MakeStage(config, ref inplanes, planes: 64, config.BlocksPerStage[0], stride: 1);
        layer2 = MakeStage(config, ref inplanes, planes: 128, config.BlocksPerStage[1], stride: 2);
        layer3 = MakeStage(config, ref inplanes, planes: 256, config.BlocksPerStage[2], stride: 2);
        layer4 = MakeStage(config, ref inplanes, planes: 512, config.BlocksPerStage[3], stride: 2);
        RegisterComponents();

        // torchvision / detectron2 (c2_msra_fill): He-normal, fan_out, for every conv. Pretrained weights
        // overwrite this; it matters only when training from scratch.
        using var noGrad = no_grad();
        foreach (var module in modules())
        {
            if (module is Conv2d conv)
            {
                nn.init.kaiming_normal_(conv.weight, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
            }
        }
    }

    public ResNetConfig Config { get; }

    /// <param name="input">[B, 3, H, W] float32, normalised as the weights expect (<see cref="PixelNormalization"/>)</param>
    /// <returns>res2..res5 at strides 4, 8, 16, 32 (sizes round up for H, W not divisible by 32)</returns>
    public override ResNetFeatures forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.dim() != 4 || input.shape[1] != 3)
        {
            throw new ArgumentException($"Expected [B, 3, H, W], got [{string.Join(", ", input.shape)}].", nameof(input));
        }

        using var scope = NewDisposeScope();
        var x = nn.functional.relu(bn1.call(conv1.call(input)));                  // [B, 64, H/2, W/2]
        x = nn.functional.max_pool2d(x, kernel_size: 3, stride: 2, padding: 1);  // [B, 64, H/4, W/4]
        var res2 = layer1.call(x);
        var res3 = layer2.call(res2);
        var res4 = layer3.call(res3);
        var res5 = layer4.call(res4);
        return new ResNetFeatures(
            res2.MoveToOuterDisposeScope(),
            res3.MoveToOuterDisposeScope(),
            res4.MoveToOuterDisposeScope(),
            res5.MoveToOuterDisposeScope());
    }

    // torchvision's _make_layer: children are named "0", "1", ... and the shortcut "downsample.0/1".
    private static Sequential MakeStage(ResNetConfig config, ref long inplanes, long planes, int blocks, long stride)
    {
        long outplanes = planes * config.Expansion;
        Sequential? downsample = stride != 1 || inplanes != outplanes
            ? nn.Sequential(
                nn.Conv2d(inplanes, outplanes, kernel_size: 1, stride: stride, bias: false),
                new FrozenBatchNorm2d(outplanes))
            : null;

        var stage = new List<nn.Module<Tensor, Tensor>>(blocks);
        for (int i = 0; i < blocks; i++)
        {
            long blockStride = i == 0 ? stride : 1;
            Sequential? blockDownsample = i == 0 ? downsample : null;
            stage.Add(config.Block == ResNetBlockKind.Bottleneck
                ? new Bottleneck(inplanes, planes, blockStride, blockDownsample)
                : new BasicBlock(inplanes, planes, blockStride, blockDownsample));
            inplanes = outplanes;
        }

        return nn.Sequential(stage.ToArray());
    }
}
