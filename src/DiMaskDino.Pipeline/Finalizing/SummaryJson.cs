using System.Text.Json.Serialization;
using DiMaskDino.Pipeline.Jobs;

namespace DiMaskDino.Pipeline.Finalizing;

/// <summary>summary.json is for people as well as tools: indented, snake_case, nulls left out.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(JobSummary))]
internal sealed partial class SummaryJson : JsonSerializerContext
{
    public static SummaryJson Context => Default;
}
