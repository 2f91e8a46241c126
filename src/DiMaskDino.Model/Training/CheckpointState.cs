using System.Text.Json;
using System.Text.Json.Serialization;
using DiMaskDino.Contracts.Models;

namespace DiMaskDino.Model.Training;

/// <summary>What a checkpoint records besides the weights: enough to rebuild the model and resume the run.</summary>
public sealed record CheckpointState
{
    [JsonPropertyName("format_version")]
    public int FormatVersion { get; init; } = 1;

    [JsonPropertyName("preset")]
    public required string Preset { get; init; }

    [JsonPropertyName("deimbalance")]
    public required bool DeImbalance { get; init; }

    [JsonPropertyName("bato")]
    public required bool Bato { get; init; }

    /// <summary>Input normalisation of the backbone's pretraining (model inputs are RGB 0–255 before it).</summary>
    [JsonPropertyName("normalization")]
    public CheckpointNormalization? Normalization { get; init; }

    [JsonPropertyName("categories")]
    public required IReadOnlyList<CheckpointCategory> Categories { get; init; }

    /// <summary>Every size the preset fixes, so a checkpoint trained with overrides rebuilds the same network.</summary>
    [JsonPropertyName("architecture")]
    public CheckpointArchitecture? Architecture { get; init; }

    [JsonPropertyName("epoch")]
    public required int Epoch { get; init; }

    [JsonPropertyName("iteration")]
    public required int Iteration { get; init; }

    [JsonPropertyName("total_iterations")]
    public required int TotalIterations { get; init; }

    [JsonPropertyName("canvas_size")]
    public required int CanvasSize { get; init; }

    [JsonPropertyName("seed")]
    public required int Seed { get; init; }

    [JsonPropertyName("training_data")]
    public string? TrainingData { get; init; }

    /// <summary>Headline metrics of the last evaluation (e.g. "ap_box", "ap_mask"), for model cards and ONNX metadata.</summary>
    [JsonPropertyName("metrics")]
    public IReadOnlyList<CheckpointMetric> Metrics { get; init; } = [];

    /// <summary>Where every random stream of the run stood (null in checkpoints written before resume was exact).</summary>
    [JsonPropertyName("random_state")]
    public RandomState? Random { get; init; }

    public ModelOptions ToModelOptions()
    {
        var preset = Enum.Parse<ModelPreset>(Preset, ignoreCase: true);
        var options = ModelOptions.For(preset, Categories.Count) with { DeImbalance = DeImbalance, Bato = Bato };
        options = Architecture?.ApplyTo(options) ?? options;
        return Normalization?.ApplyTo(options) ?? options;
    }
}

public sealed record CheckpointNormalization(
    [property: JsonPropertyName("channel_order")] string ChannelOrder,
    [property: JsonPropertyName("mean")] IReadOnlyList<float> Mean,
    [property: JsonPropertyName("std")] IReadOnlyList<float> Std)
{
    public static CheckpointNormalization From(Backbone.PixelNormalization n) => new(n.Order.ToString().ToLowerInvariant(), n.Mean, n.Std);

    /// <summary>The options with this normalisation (the preset's own instance when the values are the same).</summary>
    public ModelOptions ApplyTo(ModelOptions o)
    {
        var order = Enum.Parse<Contracts.Models.ChannelOrder>(ChannelOrder, ignoreCase: true);
        var current = o.Normalization;
        return order == current.Order && Mean.SequenceEqual(current.Mean) && Std.SequenceEqual(current.Std)
            ? o
            : o with { Normalization = new Backbone.PixelNormalization(order, Mean, Std) };
    }
}

public sealed record CheckpointArchitecture(
    [property: JsonPropertyName("hidden_dim")] int HiddenDim,
    [property: JsonPropertyName("heads")] int Heads,
    [property: JsonPropertyName("feed_forward_dim")] int FeedForwardDim,
    [property: JsonPropertyName("encoder_layers")] int EncoderLayers,
    [property: JsonPropertyName("decoder_layers")] int DecoderLayers,
    [property: JsonPropertyName("token_interaction_layers")] int TokenInteractionLayers,
    [property: JsonPropertyName("sampling_points")] int SamplingPoints,
    [property: JsonPropertyName("first_selected_tokens")] int FirstSelectedTokens,
    [property: JsonPropertyName("num_queries")] int NumQueries,
    [property: JsonPropertyName("guiding_tokens")] int GuidingTokens,
    [property: JsonPropertyName("denoising_queries")] int DenoisingQueries,
    [property: JsonPropertyName("mask_points")] int MaskPoints)
{
    // The official configurations' extras (absent in older checkpoints: our own presets' values).
    [JsonPropertyName("encoder_feed_forward_dim")]
    public int? EncoderFeedForwardDim { get; init; }

    [JsonPropertyName("feature_levels")]
    public int? FeatureLevels { get; init; }

    [JsonPropertyName("feature_order")]
    public FeatureOrder? FeatureOrder { get; init; }

    [JsonPropertyName("box_initialization")]
    public BoxInitialization? BoxInitialization { get; init; }

    [JsonPropertyName("input_transform")]
    public InputTransformKind? InputTransform { get; init; }

    [JsonPropertyName("resize_short_edge")]
    public int? ResizeShortEdge { get; init; }

    [JsonPropertyName("resize_max_size")]
    public int? ResizeMaxSize { get; init; }

    [JsonPropertyName("preset_name")]
    public string? PresetName { get; init; }

    public static CheckpointArchitecture From(ModelOptions o) => new(
        o.HiddenDim, o.Heads, o.FeedForwardDim, o.EncoderLayers, o.DecoderLayers, o.TokenInteractionLayers, o.SamplingPoints,
        o.FirstSelectedTokens, o.NumQueries, o.GuidingTokens, o.DenoisingQueries, o.MaskPoints)
    {
        EncoderFeedForwardDim = o.EncoderFeedForwardDim,
        FeatureLevels = o.FeatureLevels,
        FeatureOrder = o.FeatureOrder,
        BoxInitialization = o.BoxInitialization,
        InputTransform = o.InputTransform,
        ResizeShortEdge = o.ResizeShortEdge,
        ResizeMaxSize = o.ResizeMaxSize,
        PresetName = o.PresetName,
    };

    public ModelOptions ApplyTo(ModelOptions o) => o with
    {
        HiddenDim = HiddenDim, Heads = Heads, FeedForwardDim = FeedForwardDim, EncoderLayers = EncoderLayers, DecoderLayers = DecoderLayers,
        TokenInteractionLayers = TokenInteractionLayers, SamplingPoints = SamplingPoints, FirstSelectedTokens = FirstSelectedTokens,
        NumQueries = NumQueries, GuidingTokens = GuidingTokens, DenoisingQueries = DenoisingQueries, MaskPoints = MaskPoints,
        EncoderFeedForwardDim = EncoderFeedForwardDim ?? o.EncoderFeedForwardDim,
        FeatureLevels = FeatureLevels ?? o.FeatureLevels,
        FeatureOrder = FeatureOrder ?? o.FeatureOrder,
        BoxInitialization = BoxInitialization ?? o.BoxInitialization,
        InputTransform = InputTransform ?? o.InputTransform,
        ResizeShortEdge = ResizeShortEdge ?? o.ResizeShortEdge,
        ResizeMaxSize = ResizeMaxSize ?? o.ResizeMaxSize,
        PresetName = PresetName ?? o.PresetName,
    };
}

public sealed record CheckpointCategory(
    [property: JsonPropertyName("id")] int Id,
    [property: JsonPropertyName("name")] string Name);

public sealed record CheckpointMetric(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("value")] double Value);

[JsonSourceGenerationOptions(WriteIndented = true, UseStringEnumConverter = true)]
[JsonSerializable(typeof(CheckpointState))]
internal sealed partial class CheckpointJsonContext : JsonSerializerContext;
