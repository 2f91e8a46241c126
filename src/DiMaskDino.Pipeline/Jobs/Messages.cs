namespace DiMaskDino.Pipeline.Jobs;

/// <summary>Body of a shard message (queue <c>Pipeline:ShardQueue</c>); message id <c>{jobId}:{shard}</c>.</summary>
public sealed record ShardMessage(string JobId, int Shard)
{
    public string MessageId => $"{JobId}:{Shard}";
}

/// <summary>Body of a finalize message (queue <c>Pipeline:FinalizeQueue</c>); message id <c>{jobId}:finalize</c>.</summary>
public sealed record FinalizeMessage(string JobId)
{
    public string MessageId => $"{JobId}:finalize";
}

/// <summary><c>labels/{dataset}/latest.json</c>: the dataset's last completed job, the base of the next incremental job.</summary>
public sealed record DatasetPointer(string JobId, string ImagesPrefix, ModelReference Model, LabelingThresholds Thresholds);
