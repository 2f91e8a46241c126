using System.Text.Json.Serialization;
using DiMaskDino.Contracts.Labels;

namespace DiMaskDino.Pipeline.Jobs;

/// <summary>
/// <c>summary.json</c>: counts only (no timings), so re-running a job writes the same bytes.
/// <c>images_total = images_labeled + images_failed</c>.
/// </summary>
public sealed record JobSummary
{
    public required string JobId { get; init; }
    public required string Dataset { get; init; }
    public required string Model { get; init; }
    public required string ModelVersion { get; init; }
    public required long ImagesTotal { get; init; }
    public required long ImagesLabeled { get; init; }
    public required long ImagesFailed { get; init; }
    public required long Annotations { get; init; }

    /// <summary>The post-processing annotations.json went through (docs/labels.md).</summary>
    [JsonPropertyName("postprocess")]
    public PostProcessMode PostProcess { get; init; } = PostProcessMode.Labels;

    /// <summary>Images the model ran on in this job.</summary>
    public required long ImagesLabeledThisJob { get; init; }

    /// <summary>Images whose labels came from <see cref="BaseJobId"/>.</summary>
    public required long ImagesCarried { get; init; }

    /// <summary>Images of the base job no longer in the source; dropped from the output.</summary>
    public required long ImagesRemoved { get; init; }

    public string? BaseJobId { get; init; }
    public required int Shards { get; init; }

    /// <summary>Shards dead-lettered after the maximum delivery count; their images are in failures.json.</summary>
    public required int ShardsFailed { get; init; }
    public required int Categories { get; init; }

    /// <summary>Set when the job had ground truth: where report.json was written.</summary>
    public string? Report { get; init; }

    /// <summary>Set when the job had ground truth: what was evaluated and how the images matched.</summary>
    public EvaluationMatch? Evaluation { get; init; }
}

/// <summary>One entry of failures.json.</summary>
public sealed record FailureEntry(string FileName, string Reason);
