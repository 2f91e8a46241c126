using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Workers;

namespace DiMaskDino.Pipeline.Processing;

/// <summary>
/// A shard message after <see cref="ShardProcessor.PrepareAsync"/>: the job read, the manifest read, the carried
/// images' results copied and the other images downloading in the background (bounded by
/// <see cref="PipelineOptions.DownloadParallelism"/> and <see cref="PipelineOptions.PrefetchBytes"/>). Nothing is
/// written until <see cref="RunAsync"/>; disposing it unrun cancels the downloads and drops their bytes.
/// </summary>
public sealed class PreparedShard : IPreparedMessage
{
    private readonly ShardProcessor _processor;
    private int _ran;

    internal PreparedShard(ShardProcessor processor, JobRecord job, int shard, ShardWork? work)
    {
        _processor = processor;
        Job = job;
        Shard = shard;
        Work = work;
    }

    public JobRecord Job { get; }

    public int Shard { get; }

    /// <summary>False when the job is finished or cancelled: running it does nothing.</summary>
    public bool IsActive => Job.State is not (JobState.Cancelled or JobState.Completed or JobState.Failed);

    /// <summary>The most downloaded-but-unconsumed image bytes held at once so far (0 when nothing is downloaded).</summary>
    public long PeakHeldBytes => Work?.Downloads?.PeakHeldBytes ?? 0;

    /// <summary>Null when the shard already has a result (or the job is inactive).</summary>
    internal ShardWork? Work { get; }

    /// <summary>Labels the shard (unless it already has a result), writes its result, triggers finalization. Once.</summary>
    public Task RunAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _ran, 1) == 1)
        {
            throw new InvalidOperationException($"job {Job.JobId} shard {Shard} was already run");
        }

        return _processor.RunAsync(this, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (Work?.Downloads is { } downloads)
        {
            await downloads.DisposeAsync();
        }
    }
}
