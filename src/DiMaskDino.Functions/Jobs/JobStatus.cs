using DiMaskDino.Pipeline.Checkpoints;
using DiMaskDino.Pipeline.Jobs;

namespace DiMaskDino.Functions.Jobs;

/// <summary>The answer of <c>GET /api/jobs/{id}</c> (and of submit and cancel): state, counts and where the outputs are.</summary>
public sealed record JobStatus
{
    public required string JobId { get; init; }
    public required JobState State { get; init; }
    public required string Dataset { get; init; }
    public required ModelReference Model { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public string? Error { get; init; }
    public required JobCounts Counts { get; init; }

    /// <summary>What submitting did (submit answers only): planned, resumed, already_finished, up_to_date.</summary>
    public string? Submission { get; init; }

    /// <summary>Checkpoint evaluations with a comparison: better, same or regression.</summary>
    public CheckpointVerdict? Verdict { get; init; }

    public required JobLinks Links { get; init; }
}

/// <summary>Planning counts, shard progress and, once completed, the summary's image counts.</summary>
public sealed record JobCounts
{
    public required int Shards { get; init; }
    public required int ShardsFinished { get; init; }
    public required long ImagesTotal { get; init; }
    public required long ImagesToLabel { get; init; }
    public required long ImagesCarried { get; init; }
    public required long ImagesRemoved { get; init; }
    public long? ImagesLabeled { get; init; }
    public long? ImagesFailed { get; init; }
    public long? Annotations { get; init; }
}

/// <summary>Blob addresses (<c>container/name</c>) of the job's files; outputs only once they exist.</summary>
public sealed record JobLinks
{
    public required string Self { get; init; }
    public required string Job { get; init; }
    public string? Annotations { get; init; }
    public string? Failures { get; init; }
    public string? Summary { get; init; }
    public string? Report { get; init; }
    public string? Comparison { get; init; }
}

/// <summary><c>images/{dataset}/_label.status.json</c>: what became of a <c>_label.json</c> request.</summary>
public sealed record LabelRequestStatus(string? JobId, string? Submission, Dictionary<string, string[]>? Errors);
