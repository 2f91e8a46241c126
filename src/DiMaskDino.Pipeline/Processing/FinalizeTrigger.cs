using System.Text.Json;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Queues;

namespace DiMaskDino.Pipeline.Processing;

/// <summary>
/// After a shard result is written: if every shard of the job has a result (checked by listing <c>results/</c>), send
/// the finalize message (id <c>{jobId}:finalize</c>, so duplicates from racing last writers collapse where the broker
/// detects them; finalizing is idempotent anyway). Without a finalize queue (embedded mode, where the runner
/// finalizes itself) it only reports completeness.
/// </summary>
public sealed class FinalizeTrigger(JobStore store, IWorkQueue? finalizeQueue)
{
    /// <returns>whether every shard of <paramref name="job"/> has a result</returns>
    public async Task<bool> CheckAsync(JobRecord job, CancellationToken cancellationToken = default)
    {
        var finished = 0;
        await foreach (var _ in store.ListFinishedShardsAsync(job.JobId, cancellationToken))
        {
            finished++;
        }

        if (finished < job.ShardCount)
        {
            return false;
        }

        if (finalizeQueue is not null)
        {
            var message = new FinalizeMessage(job.JobId);
            await finalizeQueue.SendAsync(
                [new WorkMessage(message.MessageId, BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(message, PipelineJsonContext.Default.FinalizeMessage)))],
                cancellationToken);
        }

        return true;
    }
}
