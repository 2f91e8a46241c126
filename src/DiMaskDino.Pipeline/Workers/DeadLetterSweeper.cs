using DiMaskDino.Pipeline.Finalizing;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Processing;
using DiMaskDino.Pipeline.Queues;
using Microsoft.Extensions.Logging;

namespace DiMaskDino.Pipeline.Workers;

/// <summary>
/// Turns dead-lettered shard messages into shard failures: each one whose shard has no result gets a result with
/// every image failed and the dead-letter reason (<see cref="JobFinalizer.FailShardAsync"/>), then the finalize check
/// runs once per running job that has a dead-lettered shard. Idempotent (results are first-writer-wins), so the janitor may sweep the same dead letters again and again.
/// A dead letter that is not a shard message (a poison message: not base64, not JSON) is counted and logged, for a
/// person to look at; it names no shard to fail.
/// </summary>
public sealed partial class DeadLetterSweeper(JobStore store, JobFinalizer finalizer, FinalizeTrigger trigger, ILogger<DeadLetterSweeper> logger)
{
    /// <returns>the number of shards this sweep recorded as failed</returns>
    public async Task<int> SweepAsync(IWorkQueue shardQueue, CancellationToken cancellationToken = default) =>
        (await SweepWithUnreadableAsync(shardQueue, cancellationToken)).ShardsFailed;

    /// <returns>the shards this sweep recorded as failed, and the dead letters that are not shard messages</returns>
    public async Task<(int ShardsFailed, int Unreadable)> SweepWithUnreadableAsync(IWorkQueue shardQueue, CancellationToken cancellationToken = default)
    {
        var (failed, unreadable) = (0, 0);
        var touched = new Dictionary<string, JobRecord>(StringComparer.Ordinal);
        await foreach (var dead in shardQueue.PeekDeadLettersAsync(cancellationToken))
        {
            ShardMessage message;
            try
            {
                message = JobStore.Deserialize(dead.Body, PipelineJsonContext.Default.ShardMessage, $"dead-lettered message {dead.Id}");
            }
            catch (InvalidDataException e)
            {
                LogUnreadable(logger, dead.Id, shardQueue.Name, $"{e.Message} (dead-letter reason: {dead.Reason})");
                unreadable++;
                continue;
            }

            var job = await store.ReadJobAsync(message.JobId, cancellationToken);
            if (job is null || job.State != JobState.Running || message.Shard < 0 || message.Shard >= job.ShardCount)
            {
                continue;
            }

            var reason = $"shard {message.Shard} dead-lettered after {dead.DeliveryCount} deliveries: {dead.Reason}";
            failed += await finalizer.FailShardAsync(job.JobId, message.Shard, reason, cancellationToken) ? 1 : 0;
            touched[job.JobId] = job;
        }

        // Also when the shard's result was already there: its worker may have written it and died before its own check.
        foreach (var job in touched.Values)
        {
            await trigger.CheckAsync(job, cancellationToken);
        }

        return (failed, unreadable);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Dead-lettered message {MessageId} on {Queue} is not a shard message and was left alone: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, string messageId, string queue, string reason);
}
