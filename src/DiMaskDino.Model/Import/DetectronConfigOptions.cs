// A detectron2-style DI-MaskDINO / MaskDINO configuration → ModelOptions. Every key the official inference reads is
// mapped (defaults: detectron2's and maskdino/config.py's, for keys a file leaves out) or checked to hold the one value
// our network implements; keys that do not affect inference are ignored by an explicit list; any other key is an
// error naming it, since it may change the network.

using DiMaskDino.Model.Backbone;

namespace DiMaskDino.Model.Import;

public static class DetectronConfigOptions
{
    /// <summary>Keys (exact) that do not affect the inference of an instance-segmentation MaskDINO model.</summary>
    private static readonly HashSet<string> IgnoredKeys = new(StringComparer.Ordinal)
    {
        "VERSION", "OUTPUT_DIR", "SEED", "CUDNN_BENCHMARK", "VIS_PERIOD", "Default_loading",
        "MODEL.WEIGHTS", "MODEL.DEVICE", "MODEL.MASK_ON", "MODEL.KEYPOINT_ON", "MODEL.LOAD_PROPOSALS",
        "MODEL.BACKBONE.FREEZE_AT",
        "MODEL.RESNETS.STEM_TYPE", "MODEL.RESNETS.RES5_MULTI_GRID",         // "not used" (the official configs' own comment)
        "MODEL.SEM_SEG_HEAD.IGNORE_VALUE", "MODEL.SEM_SEG_HEAD.LOSS_WEIGHT",
        "MODEL.SEM_SEG_HEAD.NUM_FEATURE_LEVELS",                           // stored by MaskDINOEncoder, never used
        "MODEL.SEM_SEG_HEAD.DEFORMABLE_TRANSFORMER_ENCODER_N_HEADS",       // the encoder uses MODEL.MaskDINO.NHEADS
        "MODEL.MaskDINO.BOX_LOSS", "MODEL.MaskDINO.BOX_WEIGHT", "MODEL.MaskDINO.CLASS_WEIGHT", "MODEL.MaskDINO.DICE_WEIGHT",
        "MODEL.MaskDINO.MASK_WEIGHT", "MODEL.MaskDINO.GIOU_WEIGHT", "MODEL.MaskDINO.NO_OBJECT_WEIGHT",
        "MODEL.MaskDINO.COST_BOX_WEIGHT", "MODEL.MaskDINO.COST_CLASS_WEIGHT", "MODEL.MaskDINO.COST_DICE_WEIGHT",
        "MODEL.MaskDINO.COST_GIOU_WEIGHT", "MODEL.MaskDINO.COST_MASK_WEIGHT", "MODEL.MaskDINO.DEEP_SUPERVISION",
        "MODEL.MaskDINO.PANO_BOX_LOSS", "MODEL.MaskDINO.TRAIN_NUM_POINTS", "MODEL.MaskDINO.OVERSAMPLE_RATIO",
        "MODEL.MaskDINO.IMPORTANCE_SAMPLE_RATIO", "MODEL.MaskDINO.DROPOUT", "MODEL.MaskDINO.DN",
        "MODEL.MaskDINO.ENC_LAYERS", "MODEL.MaskDINO.PRE_NORM", "MODEL.MaskDINO.EVAL_FLAG",
        // Semantic and panoptic post-processing only; the instance output does not read them.
        "MODEL.MaskDINO.TEST.SEMANTIC_ON", "MODEL.MaskDINO.TEST.PANOPTIC_ON", "MODEL.MaskDINO.TEST.OBJECT_MASK_THRESHOLD",
        "MODEL.MaskDINO.TEST.OVERLAP_THRESHOLD", "MODEL.MaskDINO.TEST.PANO_TEMPERATURE", "MODEL.MaskDINO.TEST.PANO_TRANSFORM_EVAL",
        "MODEL.MaskDINO.TEST.SEM_SEG_POSTPROCESSING_BEFORE_INFERENCE",
        // Training-time input pipeline.
        "INPUT.IMAGE_SIZE", "INPUT.MIN_SCALE", "INPUT.MAX_SCALE", "INPUT.DATASET_MAPPER_NAME", "INPUT.MIN_SIZE_TRAIN",
        "INPUT.MAX_SIZE_TRAIN", "INPUT.MIN_SIZE_TRAIN_SAMPLING", "INPUT.RANDOM_FLIP", "INPUT.COLOR_AUG_SSD",
        "INPUT.SIZE_DIVISIBILITY", "INPUT.MASK_FORMAT",
        "TEST.EVAL_PERIOD", "TEST.EXPECTED_RESULTS", "TEST.KEYPOINT_OKS_SIGMAS", "TEST.PRECISE_BN.ENABLED", "TEST.PRECISE_BN.NUM_ITER",
        "TEST.AUG.MIN_SIZES", "TEST.AUG.MAX_SIZE", "TEST.AUG.FLIP",
    };

    /// <summary>Key prefixes that do not affect inference: training, data and detectron2 heads MaskDINO does not build.</summary>
    private static readonly string[] IgnoredPrefixes =
    [
        "SOLVER.", "DATASETS.", "DATALOADER.", "GLOBAL.", "INPUT.CROP.",
        "MODEL.RPN.", "MODEL.ROI_HEADS.", "MODEL.ROI_BOX_HEAD.", "MODEL.ROI_MASK_HEAD.", "MODEL.ROI_KEYPOINT_HEAD.",
        "MODEL.ROI_BOX_CASCADE_HEAD.", "MODEL.FPN.", "MODEL.ANCHOR_GENERATOR.", "MODEL.PROPOSAL_GENERATOR.", "MODEL.RETINANET.",
        "MODEL.PANOPTIC_FPN.", "MODEL.SWIN.",
    ];

    /// <summary>Keys this mapper reads (their values become options or are checked).</summary>
    private static readonly HashSet<string> ReadKeys = new(StringComparer.Ordinal)
    {
        "MODEL.META_ARCHITECTURE", "MODEL.BACKBONE.NAME", "MODEL.PIXEL_MEAN", "MODEL.PIXEL_STD", "INPUT.FORMAT",
        "INPUT.MIN_SIZE_TEST", "INPUT.MAX_SIZE_TEST", "TEST.DETECTIONS_PER_IMAGE", "TEST.AUG.ENABLED",
        "MODEL.RESNETS.DEPTH", "MODEL.RESNETS.NORM", "MODEL.RESNETS.STRIDE_IN_1X1", "MODEL.RESNETS.NUM_GROUPS",
        "MODEL.RESNETS.WIDTH_PER_GROUP", "MODEL.RESNETS.STEM_OUT_CHANNELS", "MODEL.RESNETS.RES2_OUT_CHANNELS",
        "MODEL.RESNETS.RES5_DILATION", "MODEL.RESNETS.OUT_FEATURES", "MODEL.RESNETS.DEFORM_ON_PER_STAGE",
        "MODEL.RESNETS.DEFORM_MODULATED", "MODEL.RESNETS.DEFORM_NUM_GROUPS",
        "MODEL.SEM_SEG_HEAD.NAME", "MODEL.SEM_SEG_HEAD.PIXEL_DECODER_NAME", "MODEL.SEM_SEG_HEAD.NUM_CLASSES",
        "MODEL.SEM_SEG_HEAD.CONVS_DIM", "MODEL.SEM_SEG_HEAD.MASK_DIM", "MODEL.SEM_SEG_HEAD.NORM", "MODEL.SEM_SEG_HEAD.DIM_FEEDFORWARD",
        "MODEL.SEM_SEG_HEAD.TRANSFORMER_ENC_LAYERS", "MODEL.SEM_SEG_HEAD.TOTAL_NUM_FEATURE_LEVELS", "MODEL.SEM_SEG_HEAD.FEATURE_ORDER",
        "MODEL.SEM_SEG_HEAD.DEFORMABLE_TRANSFORMER_ENCODER_IN_FEATURES", "MODEL.SEM_SEG_HEAD.DEFORMABLE_TRANSFORMER_ENCODER_N_POINTS",
        "MODEL.SEM_SEG_HEAD.IN_FEATURES", "MODEL.SEM_SEG_HEAD.COMMON_STRIDE",
        "MODEL.MaskDINO.TRANSFORMER_DECODER_NAME", "MODEL.MaskDINO.HIDDEN_DIM", "MODEL.MaskDINO.NHEADS", "MODEL.MaskDINO.DIM_FEEDFORWARD",
        "MODEL.MaskDINO.DEC_LAYERS", "MODEL.MaskDINO.TI_LAYERS", "MODEL.MaskDINO.NUM_OBJECT_QUERIES", "MODEL.MaskDINO.FIRST_SELECTED_QUERIES",
        "MODEL.MaskDINO.NUM_GUIDING_TOKENS", "MODEL.MaskDINO.TWO_STAGE", "MODEL.MaskDINO.INITIALIZE_BOX_TYPE", "MODEL.MaskDINO.INITIAL_PRED",
        "MODEL.MaskDINO.LEARN_TGT", "MODEL.MaskDINO.ENFORCE_INPUT_PROJ", "MODEL.MaskDINO.SIZE_DIVISIBILITY", "MODEL.MaskDINO.SEMANTIC_CE_LOSS",
        "MODEL.MaskDINO.PRED_CONV", "MODEL.MaskDINO.DN_NUM", "MODEL.MaskDINO.DN_NOISE_SCALE",
        "MODEL.MaskDINO.TEST.INSTANCE_ON", "MODEL.MaskDINO.TEST.TEST_FOUCUS_ON_BOX",
    };

    /// <summary>The options of <paramref name="config"/>; the preset name is the matching preset's, else the file's name.</summary>
    /// <exception cref="OfficialCheckpointException">an unknown key, or a value our network does not implement</exception>
    public static ModelOptions From(DetectronConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var unknown = config.Keys.Where(k => !ReadKeys.Contains(k) && !IgnoredKeys.Contains(k) && !IgnoredPrefixes.Any(p => k.StartsWith(p, StringComparison.Ordinal))).ToList();
        if (unknown.Count > 0)
        {
            throw new OfficialCheckpointException(config.File, $"unknown key{(unknown.Count == 1 ? "" : "s")} that may change the model: {string.Join(", ", unknown.Take(10))}");
        }

        Require(config, "MODEL.META_ARCHITECTURE", "MaskDINO", "GeneralizedRCNN");
        Require(config, "MODEL.BACKBONE.NAME", "build_resnet_backbone", "build_resnet_backbone");
        RequireInt(config, "MODEL.RESNETS.DEPTH", 50, 50);
        Require(config, "MODEL.RESNETS.NORM", "FrozenBN", "FrozenBN");
        RequireBool(config, "MODEL.RESNETS.STRIDE_IN_1X1", false, true);
        RequireInt(config, "MODEL.RESNETS.NUM_GROUPS", 1, 1);
        RequireInt(config, "MODEL.RESNETS.WIDTH_PER_GROUP", 64, 64);
        RequireInt(config, "MODEL.RESNETS.STEM_OUT_CHANNELS", 64, 64);
        RequireInt(config, "MODEL.RESNETS.RES2_OUT_CHANNELS", 256, 256);
        RequireInt(config, "MODEL.RESNETS.RES5_DILATION", 1, 1);
        RequireList(config, "MODEL.RESNETS.OUT_FEATURES", ["res2", "res3", "res4", "res5"], ["res4"]);
        if ((config.List("MODEL.RESNETS.DEFORM_ON_PER_STAGE") ?? []).Any(v => v.Equals("true", StringComparison.OrdinalIgnoreCase)))
        {
            throw config.Invalid("MODEL.RESNETS.DEFORM_ON_PER_STAGE", "deformable backbone convolutions are not implemented");
        }

        Require(config, "MODEL.SEM_SEG_HEAD.NAME", "MaskDINOHead", "SemSegFPNHead");
        Require(config, "MODEL.SEM_SEG_HEAD.PIXEL_DECODER_NAME", "MaskDINOEncoder", "MaskDINOEncoder");
        Require(config, "MODEL.SEM_SEG_HEAD.NORM", "GN", "GN");
        RequireList(config, "MODEL.SEM_SEG_HEAD.IN_FEATURES", ["res2", "res3", "res4", "res5"], ["p2", "p3", "p4", "p5"]);
        RequireList(config, "MODEL.SEM_SEG_HEAD.DEFORMABLE_TRANSFORMER_ENCODER_IN_FEATURES", ["res3", "res4", "res5"], ["res3", "res4", "res5"]);
        RequireInt(config, "MODEL.SEM_SEG_HEAD.COMMON_STRIDE", 4, 4);
        RequireInt(config, "MODEL.SEM_SEG_HEAD.DEFORMABLE_TRANSFORMER_ENCODER_N_POINTS", 4, 4);   // the decoder's is fixed at 4
        RequireBool(config, "MODEL.MaskDINO.TWO_STAGE", true, true);
        RequireBool(config, "MODEL.MaskDINO.LEARN_TGT", false, false);
        RequireBool(config, "MODEL.MaskDINO.ENFORCE_INPUT_PROJ", false, false);
        RequireBool(config, "MODEL.MaskDINO.SEMANTIC_CE_LOSS", false, false);
        RequireBool(config, "MODEL.MaskDINO.PRED_CONV", false, false);
        RequireInt(config, "MODEL.MaskDINO.SIZE_DIVISIBILITY", DiMaskDinoModel.SizeDivisibility, 32);
        RequireBool(config, "MODEL.MaskDINO.TEST.INSTANCE_ON", true, false);
        RequireBool(config, "MODEL.MaskDINO.TEST.TEST_FOUCUS_ON_BOX", false, false);
        RequireBool(config, "TEST.AUG.ENABLED", false, false);
        RequireInt(config, "TEST.DETECTIONS_PER_IMAGE", 100, 100);

        var hidden = config.Int("MODEL.MaskDINO.HIDDEN_DIM", 256);
        RequireInt(config, "MODEL.SEM_SEG_HEAD.CONVS_DIM", hidden, 256);
        RequireInt(config, "MODEL.SEM_SEG_HEAD.MASK_DIM", hidden, 256);

        var decoderName = config.String("MODEL.MaskDINO.TRANSFORMER_DECODER_NAME", "MaskDINODecoder");
        var di = decoderName switch
        {
            "DIMaskDINODecoder" => true,
            "MaskDINODecoder" => false,
            _ => throw config.Invalid("MODEL.MaskDINO.TRANSFORMER_DECODER_NAME", $"'{decoderName}' is not DIMaskDINODecoder or MaskDINODecoder"),
        };

        var boxType = config.String("MODEL.MaskDINO.INITIALIZE_BOX_TYPE", "no");
        var boxInitialization = boxType switch
        {
            "mask2box" => BoxInitialization.MaskToBox,
            "bitmask" => BoxInitialization.Bitmask,
            "no" => BoxInitialization.EncoderBoxes,
            _ => throw config.Invalid("MODEL.MaskDINO.INITIALIZE_BOX_TYPE", $"'{boxType}' is not mask2box, bitmask or no"),
        };
        if (boxInitialization != BoxInitialization.EncoderBoxes && !config.Bool("MODEL.MaskDINO.INITIAL_PRED", true))
        {
            throw config.Invalid("MODEL.MaskDINO.INITIAL_PRED", $"the official code requires it with INITIALIZE_BOX_TYPE {boxType}");
        }

        var order = config.String("MODEL.SEM_SEG_HEAD.FEATURE_ORDER", "high2low") switch
        {
            "low2high" => FeatureOrder.LowToHigh,
            "high2low" => FeatureOrder.HighToLow,
            var other => throw config.Invalid("MODEL.SEM_SEG_HEAD.FEATURE_ORDER", $"'{other}' is not low2high or high2low"),
        };

        var options = ModelOptions.Paper(config.Int("MODEL.SEM_SEG_HEAD.NUM_CLASSES", 54)) with
        {
            Backbone = ResNetConfig.ResNet50,
            Normalization = Normalization(config),
            HiddenDim = hidden,
            Heads = config.Int("MODEL.MaskDINO.NHEADS", 8),
            FeedForwardDim = config.Int("MODEL.MaskDINO.DIM_FEEDFORWARD", 2048),
            EncoderFeedForwardDim = config.Int("MODEL.SEM_SEG_HEAD.DIM_FEEDFORWARD", 1024),
            EncoderLayers = config.Int("MODEL.SEM_SEG_HEAD.TRANSFORMER_ENC_LAYERS", 0),
            DecoderLayers = config.Int("MODEL.MaskDINO.DEC_LAYERS", 6),
            TokenInteractionLayers = config.Int("MODEL.MaskDINO.TI_LAYERS", 2),
            FeatureLevels = config.Int("MODEL.SEM_SEG_HEAD.TOTAL_NUM_FEATURE_LEVELS", 4),
            FeatureOrder = order,
            BoxInitialization = boxInitialization,
            SamplingPoints = 4,
            NumQueries = config.Int("MODEL.MaskDINO.NUM_OBJECT_QUERIES", 100),
            FirstSelectedTokens = config.Int("MODEL.MaskDINO.FIRST_SELECTED_QUERIES", 600),
            GuidingTokens = config.Int("MODEL.MaskDINO.NUM_GUIDING_TOKENS", 50),
            DenoisingQueries = config.Int("MODEL.MaskDINO.DN_NUM", 100),
            DenoisingNoiseScale = (float)config.Double("MODEL.MaskDINO.DN_NOISE_SCALE", 0.4),
            DeImbalance = di,
            Bato = di,
            InputTransform = InputTransform.ResizeShortestEdge,
            ResizeShortEdge = config.Int("INPUT.MIN_SIZE_TEST", 800),
            ResizeMaxSize = config.Int("INPUT.MAX_SIZE_TEST", 1333),
        };
        if (!di)
        {
            options = options with { FirstSelectedTokens = Math.Max(options.FirstSelectedTokens, options.NumQueries), GuidingTokens = Math.Min(options.GuidingTokens, options.NumQueries) };
        }

        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new OfficialCheckpointException(config.File, e.Message, e);
        }

        return options with { PresetName = MatchingPreset(options) ?? Path.GetFileNameWithoutExtension(config.File) };
    }

    /// <summary>The name of the preset these options equal (ignoring the class count's names), or null.</summary>
    public static string? MatchingPreset(ModelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return OfficialPresets.Names.FirstOrDefault(name =>
        {
            var preset = OfficialPresets.For(name);
            return Comparable(preset) == Comparable(options);
        });
    }

    /// <summary>The options with what does not distinguish a layout (training-only values, unused sizes) cleared.</summary>
    private static ModelOptions Comparable(ModelOptions o) => o with
    {
        PresetName = null,
        DenoisingQueries = 0,
        DenoisingNoiseScale = 0,
        FirstSelectedTokens = o.DeImbalance ? o.FirstSelectedTokens : 0,
        GuidingTokens = o.Bato ? o.GuidingTokens : 0,
        TokenInteractionLayers = o.DeImbalance ? o.TokenInteractionLayers : 0,
    };

    private static bool SameNormalization(PixelNormalization a, PixelNormalization b) =>
        a.Order == b.Order && a.Mean.SequenceEqual(b.Mean) && a.Std.SequenceEqual(b.Std);

    private static PixelNormalization Normalization(DetectronConfig config)
    {
        var format = config.String("INPUT.FORMAT", "BGR");
        var order = format switch
        {
            "RGB" => ChannelOrder.Rgb,
            "BGR" => ChannelOrder.Bgr,
            _ => throw config.Invalid("INPUT.FORMAT", $"'{format}' is not RGB or BGR"),
        };
        float[] Values(string key, float[] fallback)
        {
            var list = config.List(key);
            if (list is null)
            {
                return fallback;
            }

            var values = list.Select(v => float.TryParse(v, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var f)
                ? f : throw config.Invalid(key, $"'{v}' is not a number")).ToArray();
            return values.Length == 3 ? values : throw config.Invalid(key, "needs three values");
        }

        var normalization = new PixelNormalization(order, Values("MODEL.PIXEL_MEAN", [103.53f, 116.28f, 123.675f]), Values("MODEL.PIXEL_STD", [1f, 1f, 1f]));
        return SameNormalization(normalization, PixelNormalization.TorchvisionImageNet) ? PixelNormalization.TorchvisionImageNet : normalization;
    }

    private static void Require(DetectronConfig config, string key, string expected, string fallback)
    {
        var value = config.String(key, fallback);
        if (value != expected)
        {
            throw config.Invalid(key, $"'{value}'{(config.Has(key) ? "" : " (the default)")} is not supported: the network implements {expected}");
        }
    }

    private static void RequireInt(DetectronConfig config, string key, int expected, int fallback)
    {
        var value = config.Int(key, fallback);
        if (value != expected)
        {
            throw config.Invalid(key, $"{value}{(config.Has(key) ? "" : " (the default)")} is not supported: the network implements {expected}");
        }
    }

    private static void RequireBool(DetectronConfig config, string key, bool expected, bool fallback)
    {
        var value = config.Bool(key, fallback);
        if (value != expected)
        {
            throw config.Invalid(key, $"{value}{(config.Has(key) ? "" : " (the default)")} is not supported: the network implements {expected}");
        }
    }

    private static void RequireList(DetectronConfig config, string key, string[] expected, string[] fallback)
    {
        var value = config.List(key) ?? fallback;
        if (!value.SequenceEqual(expected))
        {
            throw config.Invalid(key, $"[{string.Join(", ", value)}]{(config.Has(key) ? "" : " (the default)")} is not supported: the network implements [{string.Join(", ", expected)}]");
        }
    }
}
