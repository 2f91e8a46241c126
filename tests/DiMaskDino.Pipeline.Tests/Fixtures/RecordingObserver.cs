using System.Collections.Concurrent;
using DiMaskDino.Pipeline.Processing;

namespace DiMaskDino.Pipeline.Tests.Fixtures;

/// <summary>Records what the pipeline reports, and can cancel a run after a number of finished shards.</summary>
public sealed class RecordingObserver(CancellationTokenSource? cancelAfter = null, int shardsBeforeCancel = int.MaxValue) : IPipelineObserver
{
    private int _finished;

    public ConcurrentBag<int> StartedShards { get; } = [];

    public ConcurrentBag<int> WrittenShards { get; } = [];

    public ConcurrentBag<string> Images { get; } = [];

    public void ShardStarted(string jobId, int shard, int images) => StartedShards.Add(shard);

    public void ImageFinished(string jobId, int shard, string name, string? failureReason) => Images.Add(name);

    public void ShardFinished(string jobId, int shard, int labeled, int failed, bool written)
    {
        if (written)
        {
            WrittenShards.Add(shard);
        }

        if (Interlocked.Increment(ref _finished) >= shardsBeforeCancel)
        {
            cancelAfter?.Cancel();
        }
    }
}
