// A detectron2-style DI-MaskDINO / MaskDINO configuration → ModelOptions. Every key the official inference reads is
// mapped (defaults: detectron2's and maskdino/config.py's, for keys a file leaves out) or checked to hold the one value
// our network implements; keys that do not affect inference are ignored (DetectronConfigKeys); any other key is an
// error naming it, since it may change the network.

using DiMaskDino.Contracts.Models;
using DiMaskDino.Model.Backbone;

namespace DiMaskDino.Model.Import;

public static class DetectronConfigOptions
{
    /// <summary>The options of <paramref name="config"/>; the preset name is the matching preset's, else the file's name.</summary>
    /// <exception cref="OfficialCheckpointException">an unknown key, or a value our network does not implement</exception>
    public static ModelOptions From(DetectronConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var unknown = config.Keys.Where(k => !DetectronConfigKeys.Known(k)).ToList();
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
            InputTransform = InputTransformKind.ResizeShortestEdge,
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
