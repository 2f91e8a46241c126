using System.Text.Json;
using System.Text.Json.Serialization;

namespace DiMaskDino.Functions.Jobs;

/// <summary>JSON of the HTTP API and of <c>_label.json</c>: snake_case like the pipeline's files, unknown fields refused.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    NumberHandling = JsonNumberHandling.Strict,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SubmitJobBody))]
[JsonSerializable(typeof(JobStatus))]
[JsonSerializable(typeof(LabelRequestStatus))]
internal sealed partial class ApiJson : JsonSerializerContext
{
    /// <summary>Parses a request body; a <see cref="JsonException"/> names the offending field in <see cref="FieldOf"/>.</summary>
    public static SubmitJobBody Parse(BinaryData body) =>
        JsonSerializer.Deserialize(body.ToMemory().Span, Default.SubmitJobBody) ?? throw new JsonException("the body is null, expected a JSON object");

    /// <summary>The field a <see cref="JsonException"/> is about (<c>$.thresholds.score_threshold</c> → <c>thresholds.score_threshold</c>), or <c>body</c>.</summary>
    public static string FieldOf(JsonException e) => e.Path is { Length: > 2 } path ? path[2..] : "body";
}
