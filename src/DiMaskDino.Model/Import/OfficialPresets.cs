// The released official R50 COCO configurations as ModelOptions. Values are read from the official configuration
// files (DI-MaskDINO configs/dimaskdino_r50_4scale_bs16_{12,24,50}ep.yaml on Base_DIMaskDINO_COCO.yaml; MaskDINO
// configs/coco/instance-segmentation/maskdino_R50_bs16_50ep_3s.yaml and
// maskdino_R50_bs16_50ep_3s_dowsample1_2048.yaml on Base-COCO-InstanceSegmentation.yaml, with maskdino/config.py's
// defaults for the keys they leave out).

using DiMaskDino.Contracts.Models;
using DiMaskDino.Model.Backbone;

namespace DiMaskDino.Model.Import;

public static class OfficialPresets
{
    /// <summary>DI-MaskDINO R50 COCO (12, 24 and 50 epochs share this layout).</summary>
    public const string DiMaskDinoR50Coco = "dimaskdino-r50-coco";

    /// <summary>MaskDINO R50 COCO instance, maskdino_R50_bs16_50ep_3s.yaml ("hid 1024"): 3 levels, encoder FFN 1024, bitmask.</summary>
    public const string MaskDinoR50Coco3s = "maskdino-r50-coco-3s";

    /// <summary>MaskDINO R50 COCO instance, maskdino_R50_bs16_50ep_3s_dowsample1_2048.yaml: 4 levels, FFN 2048, mask2box.</summary>
    public const string MaskDinoR50Coco3sDownsample1 = "maskdino-r50-coco-3s-dowsample1-2048";

    public static IReadOnlyList<string> Names { get; } = [DiMaskDinoR50Coco, MaskDinoR50Coco3s, MaskDinoR50Coco3sDownsample1];

    /// <exception cref="ArgumentException">an unknown name (the message lists the known ones)</exception>
    public static ModelOptions For(string name) => name switch
    {
        DiMaskDinoR50Coco => R50Coco(name) with
        {
            EncoderFeedForwardDim = 2048,
            FeatureLevels = 4,
            FeatureOrder = FeatureOrder.LowToHigh,
            BoxInitialization = BoxInitialization.MaskToBox,
            DecoderLayers = 6,
            TokenInteractionLayers = 2,
            FirstSelectedTokens = 600,
            GuidingTokens = 50,
        },
        MaskDinoR50Coco3s => MaskDino(name) with
        {
            EncoderFeedForwardDim = 1024,
            FeatureLevels = 3,
            FeatureOrder = FeatureOrder.HighToLow,          // FEATURE_ORDER not set: maskdino/config.py's default high2low
            BoxInitialization = BoxInitialization.Bitmask,
        },
        MaskDinoR50Coco3sDownsample1 => MaskDino(name) with
        {
            EncoderFeedForwardDim = 2048,
            FeatureLevels = 4,
            FeatureOrder = FeatureOrder.LowToHigh,
            BoxInitialization = BoxInitialization.MaskToBox,
        },
        _ => throw new ArgumentException($"unknown preset '{name}' (known: {string.Join(", ", Names)})"),
    };

    private static ModelOptions MaskDino(string name) => R50Coco(name) with
    {
        DeImbalance = false,
        Bato = false,
        DecoderLayers = 9,
    };

    private static ModelOptions R50Coco(string name) => ModelOptions.Paper(80) with
    {
        PresetName = name,
        Backbone = ResNetConfig.ResNet50,
        Normalization = PixelNormalization.TorchvisionImageNet,
        HiddenDim = 256,
        Heads = 8,
        FeedForwardDim = 2048,
        EncoderLayers = 6,
        SamplingPoints = 4,
        NumQueries = 300,
        DenoisingQueries = 100,
        InputTransform = InputTransformKind.ResizeShortestEdge,
        ResizeShortEdge = 800,
        ResizeMaxSize = 1333,
    };
}
