using System.Text.Json;
using System.Text.Json.Serialization;

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

    public ModelOptions ToModelOptions()
    {
        var preset = Enum.Parse<ModelPreset>(Preset, ignoreCase: true);
        var options = ModelOptions.For(preset, Categories.Count) with { DeImbalance = DeImbalance, Bato = Bato };
        return Architecture?.ApplyTo(options) ?? options;
    }
}

public sealed record CheckpointNormalization(
    [property: JsonPropertyName("channel_order")] string ChannelOrder,
    [property: JsonPropertyName("mean")] IReadOnlyList<float> Mean,
    [property: JsonPropertyName("std")] IReadOnlyList<float> Std);

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
    public static CheckpointArchitecture From(ModelOptions o) => new(
        o.HiddenDim, o.Heads, o.FeedForwardDim, o.EncoderLayers, o.DecoderLayers, o.TokenInteractionLayers, o.SamplingPoints,
        o.FirstSelectedTokens, o.NumQueries, o.GuidingTokens, o.DenoisingQueries, o.MaskPoints);

    public ModelOptions ApplyTo(ModelOptions o) => o with
    {
        HiddenDim = HiddenDim, Heads = Heads, FeedForwardDim = FeedForwardDim, EncoderLayers = EncoderLayers, DecoderLayers = DecoderLayers,
        TokenInteractionLayers = TokenInteractionLayers, SamplingPoints = SamplingPoints, FirstSelectedTokens = FirstSelectedTokens,
        NumQueries = NumQueries, GuidingTokens = GuidingTokens, DenoisingQueries = DenoisingQueries, MaskPoints = MaskPoints,
    };
}

public sealed record CheckpointCategory(
    [property: JsonPropertyName("id")] int Id,
    [property: JsonPropertyName("name")] string Name);

public sealed record CheckpointMetric(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("value")] double Value);

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(CheckpointState))]
internal sealed partial class CheckpointJsonContext : JsonSerializerContext;
