using DiMaskDino.Contracts.Models;
using DiMaskDino.Model.Backbone;

namespace DiMaskDino.Model;

/// <summary>Named hyperparameter sets (model.md §11 and §12).</summary>
public enum ModelPreset
{
    /// <summary>CPU-trainable: ResNet-18, d 128, 4 heads, 3+3 layers, K1/Q/G 100/50/10 (model.md §12).</summary>
    Tiny,

    /// <summary>The paper's configuration: ResNet-50, d 256, 8 heads, 6+6 layers, K1/Q/G 600/300/50 (model.md §11).</summary>
    Paper,
}

/// <summary>
/// Order of the multi-scale levels in the encoder's flattened tokens (detectron2 key
/// MODEL.SEM_SEG_HEAD.FEATURE_ORDER). The decoder always reads them in the reverse order.
/// </summary>
public enum FeatureOrder
{
    /// <summary>"low2high": encoder [s8, s16, s32, s64], decoder [s64, s32, s16, s8] (DI-MaskDINO's configs).</summary>
    LowToHigh,

    /// <summary>"high2low" (MaskDINO's default): encoder [s64, s32, s16, s8], decoder [s8, s16, s32, s64].</summary>
    HighToLow,
}

/// <summary>How the first-selected tokens get their reference boxes (MODEL.MaskDINO.INITIALIZE_BOX_TYPE).</summary>
public enum BoxInitialization
{
    /// <summary>"mask2box": tight box of the interm mask, max index with no +1; empty → far away (model.md §4.6).</summary>
    MaskToBox,

    /// <summary>"bitmask": detectron2 BitMasks.get_bounding_boxes, x2/y2 = max index + 1; empty → all zeros.</summary>
    Bitmask,

    /// <summary>"no": the encoder's box predictions (box head + proposal logits) of the selected tokens.</summary>
    EncoderBoxes,
}

/// <summary>
/// Every architectural hyperparameter of DI-MaskDINO. Modules receive plain numbers from here, never the whole
/// bag. <see cref="DeImbalance"/> and <see cref="Bato"/> switch the paper's two modules for ablations (both off =
/// MaskDINO).
/// </summary>
public sealed record ModelOptions
{
    public required ModelPreset Preset { get; init; }

    public required ResNetConfig Backbone { get; init; }

    /// <summary>Input normalisation of the backbone's pretraining; recorded with the model.</summary>
    public required PixelNormalization Normalization { get; init; }

    /// <summary>C: thing classes.</summary>
    public int NumClasses { get; init; } = 80;

    /// <summary>d = conv_dim = mask_dim.</summary>
    public int HiddenDim { get; init; } = 256;

    /// <summary>H_h: heads of every attention block.</summary>
    public int Heads { get; init; } = 8;

    /// <summary>FFN width of decoder, TI and BATO blocks (and of the encoder unless <see cref="EncoderFeedForwardDim"/> is set).</summary>
    public int FeedForwardDim { get; init; } = 2048;

    /// <summary>FFN width of the pixel decoder's encoder layers (MODEL.SEM_SEG_HEAD.DIM_FEEDFORWARD); null = <see cref="FeedForwardDim"/>.</summary>
    public int? EncoderFeedForwardDim { get; init; }

    /// <summary>The encoder FFN width in effect.</summary>
    public int EncoderFeedForward => EncoderFeedForwardDim ?? FeedForwardDim;

    public int EncoderLayers { get; init; } = 6;

    public int DecoderLayers { get; init; } = 6;

    /// <summary>L_t: token-interaction layers of the DI module.</summary>
    public int TokenInteractionLayers { get; init; } = 2;

    /// <summary>N_l: feature levels seen by attention: 4 (strides 8, 16, 32, 64) or 3 (strides 8, 16, 32).</summary>
    public int FeatureLevels { get; init; } = 4;

    /// <summary>Level order of the encoder tokens (the decoder reads the reverse).</summary>
    public FeatureOrder FeatureOrder { get; init; } = FeatureOrder.LowToHigh;

    /// <summary>Reference boxes of the first-selected tokens.</summary>
    public BoxInitialization BoxInitialization { get; init; } = BoxInitialization.MaskToBox;

    /// <summary>The test-time transform the model's weights expect.</summary>
    public InputTransformKind InputTransform { get; init; } = InputTransformKind.Letterbox;

    /// <summary>ResizeShortestEdge: target short side (INPUT.MIN_SIZE_TEST).</summary>
    public int ResizeShortEdge { get; init; } = 800;

    /// <summary>ResizeShortestEdge: cap on the long side (INPUT.MAX_SIZE_TEST).</summary>
    public int ResizeMaxSize { get; init; } = 1333;

    /// <summary>Name of an imported official configuration (e.g. "dimaskdino-r50-coco"); null for our own presets.</summary>
    public string? PresetName { get; init; }

    /// <summary>N_p: sampling points per head per level.</summary>
    public int SamplingPoints { get; init; } = 4;

    /// <summary>K1: first-selected tokens (DI on); with DI off the first selection keeps <see cref="NumQueries"/>.</summary>
    public int FirstSelectedTokens { get; init; } = 600;

    /// <summary>Q = K2: decoder matching queries.</summary>
    public int NumQueries { get; init; } = 300;

    /// <summary>G: BATO guiding tokens.</summary>
    public int GuidingTokens { get; init; } = 50;

    /// <summary>DN_NUM: upper bound on denoising queries per step.</summary>
    public int DenoisingQueries { get; init; } = 100;

    /// <summary>λ: denoising noise scale.</summary>
    public float DenoisingNoiseScale { get; init; } = 0.4f;

    /// <summary>Points sampled per mask by the matcher and the mask losses.</summary>
    public int MaskPoints { get; init; } = 12544;

    public float OversampleRatio { get; init; } = 3.0f;

    public float ImportanceSampleRatio { get; init; } = 0.75f;

    /// <summary>The De-Imbalance module (residual double selection).</summary>
    public bool DeImbalance { get; init; } = true;

    /// <summary>Balance-Aware Tokens Optimization (guiding tokens refine memory and mask features).</summary>
    public bool Bato { get; init; } = true;

    /// <summary>Tokens kept by the first selection: K1 with DI, Q without (model.md §5.6).</summary>
    public int FirstSelectionCount => DeImbalance ? FirstSelectedTokens : NumQueries;

    public static ModelOptions Tiny(int numClasses) => new()
    {
        Preset = ModelPreset.Tiny,
        Backbone = ResNetConfig.CntkResNet18,
        Normalization = PixelNormalization.CntkImageNet,
        NumClasses = numClasses,
        HiddenDim = 128,
        Heads = 4,
        FeedForwardDim = 512,
        EncoderLayers = 3,
        DecoderLayers = 3,
        TokenInteractionLayers = 2,
        FirstSelectedTokens = 100,
        NumQueries = 50,
        GuidingTokens = 10,
        DenoisingQueries = 20,
        MaskPoints = 1024,
    };

    public static ModelOptions Paper(int numClasses = 80) => new()
    {
        Preset = ModelPreset.Paper,
        Backbone = ResNetConfig.ResNet50,
        Normalization = PixelNormalization.TorchvisionImageNet,
        NumClasses = numClasses,
    };

    public static ModelOptions For(ModelPreset preset, int numClasses) =>
        preset == ModelPreset.Tiny ? Tiny(numClasses) : Paper(numClasses);

    /// <summary>Checks the constraints the architecture relies on; throws with the offending value.</summary>
    public void Validate()
    {
        Require(NumClasses >= 1, $"NumClasses must be at least 1, got {NumClasses}");
        Require(HiddenDim % Heads == 0, $"HiddenDim {HiddenDim} must be divisible by Heads {Heads}");
        Require(HiddenDim % 32 == 0, $"HiddenDim {HiddenDim} must be divisible by 32 (GroupNorm with 32 groups)");
        Require(HiddenDim % 4 == 0, $"HiddenDim {HiddenDim} must be divisible by 4 (sine embeddings)");
        Require(FeatureLevels is 3 or 4, $"FeatureLevels must be 3 (strides 8, 16, 32) or 4 (strides 8, 16, 32, 64), got {FeatureLevels}");
        Require(EncoderFeedForward >= 1 && FeedForwardDim >= 1, "feed-forward widths must be positive");
        Require(ResizeShortEdge >= 1 && ResizeMaxSize >= ResizeShortEdge, $"need 1 <= ResizeShortEdge ({ResizeShortEdge}) <= ResizeMaxSize ({ResizeMaxSize})");
        Require(EncoderLayers >= 1 && DecoderLayers >= 2, "need at least 1 encoder layer and 2 decoder layers (BATO runs before layer 1)");
        Require(NumQueries >= 1 && FirstSelectedTokens >= NumQueries, $"need FirstSelectedTokens ({FirstSelectedTokens}) >= NumQueries ({NumQueries}) >= 1");
        Require(GuidingTokens >= 1 && GuidingTokens <= NumQueries, $"GuidingTokens must be in [1, NumQueries], got {GuidingTokens}");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException("invalid model options: " + message);
        }
    }
}
