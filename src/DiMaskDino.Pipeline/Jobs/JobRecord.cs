using System.Text.Json.Serialization;

namespace DiMaskDino.Pipeline.Jobs;

/// <summary><c>jobs/{jobId}/job.json</c>: the request, the state and what planning found.</summary>
public sealed record JobRecord
{
    public required string JobId { get; init; }

    public required JobRequest Request { get; init; }

    public required JobState State { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>The dataset's previous completed job whose labels unchanged images keep; null for a full job.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? BaseJobId { get; init; }

    /// <summary>Number of shards (known once planning is done).</summary>
    public int ShardCount { get; init; }

    /// <summary>Every image of the job's output: labeled now or carried over from <see cref="BaseJobId"/>.</summary>
    public long ImagesTotal { get; init; }

    /// <summary>Images the model runs on in this job (new or changed since the base job).</summary>
    public long ImagesToLabel { get; init; }

    /// <summary>Images whose labels are carried over unchanged from the base job.</summary>
    public long ImagesCarried { get; init; }

    /// <summary>Images of the base job that are no longer in the source (dropped from the output).</summary>
    public long ImagesRemoved { get; init; }

    /// <summary>Listed blobs under the prefix that are not images by extension (not part of the dataset).</summary>
    public long FilesSkipped { get; init; }

    /// <summary>Largest image id in use after planning; the next incremental job numbers new images after it.</summary>
    public long MaxImageId { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Error { get; init; }
}
