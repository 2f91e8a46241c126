namespace DiMaskDino.Model.Backbone;

/// <summary>Residual block type of a ResNet stage.</summary>
public enum ResNetBlockKind
{
    /// <summary>Two 3×3 convs, expansion 1 (ResNet-18/34).</summary>
    Basic,

    /// <summary>1×1 → 3×3 (stride here, torchvision "v1.5") → 1×1 convs, expansion 4 (ResNet-50/101).</summary>
    Bottleneck,
}

/// <summary>Block type and block count per stage (layer1..layer4 = res2..res5) of a <see cref="ResNet"/>.</summary>
public sealed class ResNetConfig
{
    private const int StemChannels = 64;

    /// <param name="block">block type of every stage</param>
    /// <param name="blocksPerStage">four positive block counts, layer1..layer4</param>
    public ResNetConfig(ResNetBlockKind block, IReadOnlyList<int> blocksPerStage)
    {
        ArgumentNullException.ThrowIfNull(blocksPerStage);
        if (blocksPerStage.Count != 4 || blocksPerStage.Any(n => n <= 0))
        {
            throw new ArgumentException("A ResNet needs four stages with at least one block each.", nameof(blocksPerStage));
        }

        Block = block;
        BlocksPerStage = [.. blocksPerStage];
    }

    /// <summary>The CNTK "ResNet18" in Microsoft.ML.DnnImageFeaturizer.ResNet18: basic blocks [2, 2, 2, 3]
    /// (one block more than torchvision's ResNet-18; see shared/design/resnet18-weights.md).</summary>
    public static ResNetConfig CntkResNet18 { get; } = new(ResNetBlockKind.Basic, [2, 2, 2, 3]);

    /// <summary>torchvision/detectron2 ResNet-18: basic blocks [2, 2, 2, 2].</summary>
    public static ResNetConfig ResNet18 { get; } = new(ResNetBlockKind.Basic, [2, 2, 2, 2]);

    /// <summary>torchvision/detectron2 ResNet-50: bottleneck blocks [3, 4, 6, 3] (the paper's backbone).</summary>
    public static ResNetConfig ResNet50 { get; } = new(ResNetBlockKind.Bottleneck, [3, 4, 6, 3]);

    public ResNetBlockKind Block { get; }

    public IReadOnlyList<int> BlocksPerStage { get; }

    /// <summary>Output channels of a block relative to its width: 1 (basic) or 4 (bottleneck).</summary>
    public int Expansion => Block == ResNetBlockKind.Bottleneck ? 4 : 1;

    /// <summary>Channels of the stem output (input to layer1).</summary>
    public int StemOutChannels => StemChannels;

    /// <summary>Channels of res2..res5: 64/128/256/512 (basic) or 256/512/1024/2048 (bottleneck).</summary>
    public IReadOnlyList<int> OutChannels => [.. Enumerable.Range(0, 4).Select(i => (StemChannels << i) * Expansion)];

    /// <summary>Strides of res2..res5 relative to the input: 4, 8, 16, 32.</summary>
    public static IReadOnlyList<int> OutStrides { get; } = [4, 8, 16, 32];

    public override string ToString() => $"{Block} [{string.Join(", ", BlocksPerStage)}]";
}
