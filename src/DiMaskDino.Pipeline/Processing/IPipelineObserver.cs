using DiMaskDino.Pipeline.Jobs;

namespace DiMaskDino.Pipeline.Processing;

/// <summary>
/// Progress callbacks for a host's display (the CLI's progress bar). Called from worker
/// threads, possibly concurrently; implementations must be thread-safe and quick. Every method has an empty default.
/// </summary>
public interface IPipelineObserver
{
    /// <summary>A job is about to run (embedded runner): its totals and how many shards were already finished.</summary>
    void JobStarted(JobRecord job, int shardsAlreadyFinished)
    {
    }

    void ShardStarted(string jobId, int shard, int images)
    {
    }

    /// <summary>One image of a shard is done: labeled (<paramref name="failureReason"/> null), carried over, or failed.</summary>
    void ImageFinished(string jobId, int shard, string name, string? failureReason)
    {
    }

    /// <param name="written">false when another worker had already written the result (a duplicate delivery)</param>
    void ShardFinished(string jobId, int shard, int labeled, int failed, bool written)
    {
    }
}
