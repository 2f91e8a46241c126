using System.Globalization;
using System.Text;
using System.Text.Json;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Queues;
using DiMaskDino.Pipeline.Storage;

namespace DiMaskDino.Pipeline.Processing;

/// <summary>
/// After a shard result is written (or found written): when every shard of the job has a result, the job is ready
/// and the trigger's action runs — send the finalize message (id <c>{jobId}:finalize</c>, so duplicates from racing
/// last writers collapse where the broker detects them; finalizing is idempotent anyway), or, embedded, tell the
/// runner. <see cref="Finalizing.JobFinalizer"/> checks completeness again before it writes anything, so this is
/// only the signal, never the authority.
/// </summary>
/// <remarks>
/// Readiness without listing <c>results/</c>: <c>finished-below.txt</c> holds a number n such that shards 0 … n−1
/// are known to have results. A check reads it, probes results from n upward (one properties call each) until the
/// first missing one, and writes the new number when it moved. Results are never removed while a job runs, so the
/// number stays true; racing writers may set it back to a smaller true number, which costs probes, not correctness.
/// A job's checks together probe O(shards) blobs (each present shard is passed once, plus one missing probe per
/// check), where listing after every shard cost O(shards²) listed entries. When the last two shards finish at the
/// same time, each writer's probe follows its own write, so at least one of them sees both results. A worker that
/// dies between its write and its check leaves the check to the redelivered message (which finds its result and
/// checks), the dead-letter sweeper or the janitor.
/// </remarks>
public sealed class FinalizeTrigger
{
    private readonly JobStore _store;
    private readonly Func<JobRecord, CancellationToken, Task>? _onReady;

    /// <summary>A trigger that sends the finalize message to <paramref name="finalizeQueue"/> (null: it only reports readiness).</summary>
    public FinalizeTrigger(JobStore store, IWorkQueue? finalizeQueue)
        : this(store, onReady: finalizeQueue is null ? null : (job, ct) => SendAsync(finalizeQueue, job, ct))
    {
    }

    private FinalizeTrigger(JobStore store, Func<JobRecord, CancellationToken, Task>? onReady)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _onReady = onReady;
    }

    /// <summary>A trigger that runs <paramref name="onReady"/> each time a check finds the job ready (the embedded runner's signal).</summary>
    public static FinalizeTrigger Notifying(JobStore store, Func<JobRecord, CancellationToken, Task> onReady)
    {
        ArgumentNullException.ThrowIfNull(onReady);
        return new FinalizeTrigger(store, onReady);
    }

    /// <returns>whether every shard of <paramref name="job"/> has a result</returns>
    public async Task<bool> CheckAsync(JobRecord job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (!await AllFinishedAsync(job, cancellationToken))
        {
            return false;
        }

        if (_onReady is not null)
        {
            await _onReady(job, cancellationToken);
        }

        return true;
    }

    private async Task<bool> AllFinishedAsync(JobRecord job, CancellationToken cancellationToken)
    {
        var hint = JobPaths.FinishedBelow(job.JobId);
        var known = ParseHint(await _store.Blobs.ReadAsync(hint, cancellationToken), job.ShardCount);
        var below = known;
        while (below < job.ShardCount && await _store.Blobs.GetPropertiesAsync(JobPaths.Result(job.JobId, below), cancellationToken) is not null)
        {
            below++;
        }

        if (below > known)
        {
            var text = below.ToString(CultureInfo.InvariantCulture) + "\n";
            await _store.Blobs.WriteAsync(hint, BinaryData.FromString(text), WriteMode.Overwrite, cancellationToken);
        }

        return below >= job.ShardCount;
    }

    /// <summary>The hint's number; 0 when it is missing or unreadable (it is only a hint).</summary>
    private static int ParseHint(BlobContent? content, int shardCount) =>
        content is not null
        && int.TryParse(Encoding.ASCII.GetString(content.Data.ToMemory().Span).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var below)
        && below <= shardCount
            ? below
            : 0;

    private static Task SendAsync(IWorkQueue finalizeQueue, JobRecord job, CancellationToken cancellationToken)
    {
        var message = new FinalizeMessage(job.JobId);
        return finalizeQueue.SendAsync(
            [new WorkMessage(message.MessageId, BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(message, PipelineJsonContext.Default.FinalizeMessage)))],
            cancellationToken);
    }
}
