using System.Text.Json.Serialization;

namespace DiMaskDino.Pipeline.Checkpoints;

/// <summary>The checkpoint files: snake_case, indented (people read comparisons), nulls kept where they mean "undefined".</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(CheckpointEvaluation))]
[JsonSerializable(typeof(BestModelPointer))]
[JsonSerializable(typeof(CheckpointComparison))]
[JsonSerializable(typeof(ReportNumbers))]
internal sealed partial class CheckpointJson : JsonSerializerContext;
