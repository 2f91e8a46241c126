using System.Text.Json.Serialization;

namespace DiMaskDino.Pipeline.Jobs;

[JsonConverter(typeof(JsonStringEnumConverter<JobState>))]
public enum JobState
{
    /// <summary>job.json written, shard manifests being written.</summary>
    [JsonStringEnumMemberName("planning")]
    Planning,

    /// <summary>All manifests written and shard messages sent; results arriving.</summary>
    [JsonStringEnumMemberName("running")]
    Running,

    /// <summary>annotations.json, failures.json and summary.json written (and the report with ground truth).</summary>
    [JsonStringEnumMemberName("completed")]
    Completed,

    /// <summary>Planning or finalizing failed for good; <see cref="JobRecord.Error"/> says why.</summary>
    [JsonStringEnumMemberName("failed")]
    Failed,

    /// <summary>Cancelled on request; remaining shard messages are completed without work.</summary>
    [JsonStringEnumMemberName("cancelled")]
    Cancelled,
}
