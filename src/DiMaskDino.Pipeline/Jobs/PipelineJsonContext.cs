using System.Text.Json.Serialization;

namespace DiMaskDino.Pipeline.Jobs;

/// <summary>The pipeline's JSON files and messages: snake_case names, compact, strict numbers.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    NumberHandling = JsonNumberHandling.Strict,
    RespectRequiredConstructorParameters = true,
    RespectNullableAnnotations = true)]
[JsonSerializable(typeof(JobRecord))]
[JsonSerializable(typeof(ShardManifest))]
[JsonSerializable(typeof(ShardResult))]
[JsonSerializable(typeof(JobSummary))]
[JsonSerializable(typeof(ShardMessage))]
[JsonSerializable(typeof(FinalizeMessage))]
[JsonSerializable(typeof(DatasetPointer))]
[JsonSerializable(typeof(FailureEntry))]
public sealed partial class PipelineJsonContext : JsonSerializerContext;
