// ONNX emitter for the ResNet backbone (model.md §2, §13.2): Conv with frozen BN folded in, Relu, MaxPool, Add.
// Walks the registered children (conv1, bn1, layer1..layer4, blocks "0", "1", …, downsample "0"/"1").

using DiMaskDino.Model.Backbone;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Export;

/// <summary>Tensor names of res2..res5 in an exported graph.</summary>
public sealed record BackboneGraphOutputs(string Res2, string Res3, string Res4, string Res5);

/// <summary>Emits <see cref="ResNet"/> (basic or bottleneck blocks).</summary>
public static class BackboneEmitter
{
    /// <param name="images">[B, 3, H, W] normalised images</param>
    /// <returns>res2..res5 ([B, C_l, H/s, W/s], s = 4, 8, 16, 32)</returns>
    public static BackboneGraphOutputs Emit(OnnxGraphBuilder g, string images, ResNet resnet, string name = "backbone")
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(resnet);
        var x = LayerEmitters.Conv2dFrozenBn(
            g, images, ModuleTree.Child<Conv2d>(resnet, "conv1"), ModuleTree.Child<FrozenBatchNorm2d>(resnet, "bn1"), name + "_stem");
        x = OnnxOps.Relu(g, x, name + "_stem_relu");                                                  // [B, 64, H/2, W/2]
        x = LayerEmitters.MaxPool(g, x, kernel: 3, stride: 2, padding: 1, name + "_stem_pool");       // [B, 64, H/4, W/4]

        var stages = new string[4];
        for (var s = 0; s < 4; s++)
        {
            var stage = ModuleTree.Child<Sequential>(resnet, $"layer{s + 1}");
            foreach (var (blockName, block) in stage.named_children())
            {
                x = Block(g, x, block, $"{name}_layer{s + 1}_{blockName}");
            }

            stages[s] = x;
            g.Stage($"backbone.res{s + 2}", x);
        }

        return new BackboneGraphOutputs(stages[0], stages[1], stages[2], stages[3]);
    }

    // BasicBlock: conv1/bn1 → ReLU → conv2/bn2; Bottleneck adds → ReLU → conv3/bn3; then + shortcut, ReLU.
    private static string Block(OnnxGraphBuilder g, string x, nn.Module block, string name)
    {
        var downsample = ModuleTree.TryChild<Sequential>(block, "downsample");
        var identity = downsample is null
            ? x
            : LayerEmitters.Conv2dFrozenBn(
                g, x, ModuleTree.Child<Conv2d>(downsample, "0"), ModuleTree.Child<FrozenBatchNorm2d>(downsample, "1"), name + "_downsample");

        int convs = ModuleTree.TryChild<Conv2d>(block, "conv3") is null ? 2 : 3;
        var y = x;
        for (var i = 1; i <= convs; i++)
        {
            y = LayerEmitters.Conv2dFrozenBn(
                g, y, ModuleTree.Child<Conv2d>(block, $"conv{i}"), ModuleTree.Child<FrozenBatchNorm2d>(block, $"bn{i}"), $"{name}_conv{i}");
            if (i < convs)
            {
                y = OnnxOps.Relu(g, y, $"{name}_relu{i}");
            }
        }

        return OnnxOps.Relu(g, OnnxOps.Add(g, y, identity, name + "_residual"), name + "_out");
    }
}
