using System.Text.Json.Serialization;
using DiMaskDino.Contracts.Labels;
using DiMaskDino.Pipeline.Exports;

namespace DiMaskDino.Functions.Jobs;

/// <summary>What a job is for.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<JobKind>))]
public enum JobKind
{
    /// <summary>Label the images under a prefix of <c>images</c> with a model (optionally scored against ground truth).</summary>
    [JsonStringEnumMemberName("label")]
    Label,

    /// <summary>Evaluate a model on the configured evaluation dataset and compare it with the best model.</summary>
    [JsonStringEnumMemberName("evaluation")]
    Evaluation,
}

/// <summary>
/// The body of <c>POST /api/jobs</c>, and of an <c>images/{dataset}/_label.json</c> request (where the dataset comes
/// from the path). snake_case; unknown fields are refused.
/// </summary>
public sealed record SubmitJobBody
{
    public JobKind Kind { get; init; } = JobKind.Label;

    /// <summary>Label jobs: the dataset (labels go to <c>labels/{dataset}/</c>).</summary>
    public string? Dataset { get; init; }

    /// <summary>Label jobs: blob-name prefix in <c>images</c>; default <c>{dataset}/</c>.</summary>
    public string? ImagesPrefix { get; init; }

    /// <summary>Blob name in <c>models</c>, e.g. <c>dimaskdino-tiny.onnx</c>.</summary>
    public string? Model { get; init; }

    /// <summary>Label jobs: blob name of a COCO ground truth in <c>datasets</c>, to also write an evaluation report.</summary>
    public string? GroundTruth { get; init; }

    public int? ShardSize { get; init; }

    public ThresholdsBody? Thresholds { get; init; }

    public bool? Incremental { get; init; }

    /// <summary>Label jobs: exports to write beside annotations.json (coco, labelstudio, cvat, yolo; docs/labels.md).</summary>
    public IReadOnlyList<ExportFormat>? Formats { get; init; }

    /// <summary>Explicit job id (default: derived from the request, so re-submitting finds the same job).</summary>
    public string? JobId { get; init; }
}

public sealed record ThresholdsBody
{
    public double? ScoreThreshold { get; init; }

    public int? DetectionsPerImage { get; init; }

    public float? MaskLogitThreshold { get; init; }

    /// <summary>labels (default) or official.</summary>
    [JsonPropertyName("postprocess")]
    public PostProcessMode? PostProcess { get; init; }

    public double? DuplicateMaskIou { get; init; }

    public int? MinSpeckArea { get; init; }

    /// <summary>mask (default) or model.</summary>
    public BoxSource? Box { get; init; }
}
