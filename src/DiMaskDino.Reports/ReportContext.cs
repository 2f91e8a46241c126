using System.Text.Json.Serialization;

namespace DiMaskDino.Reports;

/// <summary>
/// What a report was made from, written as its <c>inputs</c> section. Every field is optional and left out of the
/// output when null. <see cref="CreatedAt"/> is the only time-dependent field: leave it null for byte-identical re-runs.
/// </summary>
public sealed record ReportContext
{
    /// <summary>Ground-truth file or dataset name, as the caller wants it shown.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? GroundTruth { get; init; }

    /// <summary>Detections file or labeling-job name.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Detections { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Model { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? CreatedAt { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ToolVersion { get; init; }
}
