using DiMaskDino.Pipeline.Checkpoints;
using DiMaskDino.Pipeline.Finalizing;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Processing;
using DiMaskDino.Pipeline.Queues;
using DiMaskDino.Pipeline.Storage;
using DiMaskDino.Pipeline.Workers;
using Microsoft.Extensions.Logging;

namespace DiMaskDino.Functions.Janitor;

/// <summary>
/// The timer's work, every run idempotent: dead-lettered shards become shard failures (<see cref="DeadLetterSweeper"/>);
/// a job whose finalize message was dead-lettered, or that is stuck past a deadline, is marked failed with the reason;
/// a job whose shards are all done but which was not finalized gets its finalize message again; completed checkpoint
/// evaluations without a comparison get one.
/// </summary>
/// <remarks>Finding jobs lists the whole <c>jobs</c> container (flat listing, streamed): fine for thousands of jobs; an
/// index of active jobs would be needed far beyond that.</remarks>
public sealed partial class JobJanitor(
    JobStore store,
    WorkQueues queues,
    DeadLetterSweeper sweeper,
    JobFinalizer finalizer,
    FinalizeTrigger trigger,
    CheckpointEvaluator checkpoints,
    JanitorOptions options,
    TimeProvider time,
    ILogger<JobJanitor> logger)
{
    private const string JobFile = "/job.json";

    public async Task<JanitorReport> RunAsync(CancellationToken cancellationToken = default)
    {
        var (shardsFailed, unreadable) = await sweeper.SweepWithUnreadableAsync(queues.Shards, cancellationToken);
        var (jobsFailed, unreadableFinalizes) = await FailDeadFinalizesAsync(cancellationToken);
        var resent = 0;
        foreach (var jobId in await ListJobIdsAsync(cancellationToken))
        {
            var job = await store.ReadJobAsync(jobId, cancellationToken);
            var age = job is null ? TimeSpan.Zero : time.GetUtcNow() - job.CreatedAt;
            if (job is { State: JobState.Planning } && age > options.PlanningDeadline)
            {
                jobsFailed += await FailAsync(job, $"planning did not finish within {options.PlanningDeadline}", cancellationToken) ? 1 : 0;
            }
            else if (job is { State: JobState.Running })
            {
                var missing = await finalizer.MissingShardsAsync(job, cancellationToken);
                if (missing.Count == 0 && time.GetUtcNow() - await LastResultAsync(job, cancellationToken) > options.FinalizeGrace)
                {
                    await trigger.CheckAsync(job, cancellationToken);
                    LogFinalizeResent(logger, job.JobId);
                    resent++;
                }
                else if (missing.Count > 0 && age > options.JobDeadline)
                {
                    var shown = string.Join(", ", missing.Take(10)) + (missing.Count > 10 ? ", …" : "");
                    var reason = $"did not finish within {options.JobDeadline}: {missing.Count} of {job.ShardCount} shards have no result (shards {shown})";
                    jobsFailed += await FailAsync(job, reason, cancellationToken) ? 1 : 0;
                }
            }
        }

        var compared = await checkpoints.ComparePendingAsync(cancellationToken);
        var report = new JanitorReport(shardsFailed, jobsFailed, resent, compared) { UnreadableDeadLetters = unreadable + unreadableFinalizes };
        LogRun(logger, report.ShardsFailed, report.JobsFailed, report.FinalizesResent, report.ComparisonsWritten, report.UnreadableDeadLetters);
        return report;
    }

    private async Task<(int Failed, int Unreadable)> FailDeadFinalizesAsync(CancellationToken cancellationToken)
    {
        var (failed, unreadable) = (0, 0);
        await foreach (var dead in queues.Finalize.PeekDeadLettersAsync(cancellationToken))
        {
            FinalizeMessage message;
            try
            {
                message = JobStore.Deserialize(dead.Body, PipelineJsonContext.Default.FinalizeMessage, $"dead-lettered message {dead.Id}");
            }
            catch (InvalidDataException e)
            {
                LogUnreadable(logger, dead.Id, queues.Finalize.Name, $"{e.Message} (dead-letter reason: {dead.Reason})");
                unreadable++;
                continue;
            }

            if (await store.ReadJobAsync(message.JobId, cancellationToken) is { State: JobState.Running } job)
            {
                var reason = $"finalizing was dead-lettered after {dead.DeliveryCount} deliveries: {dead.Reason}";
                failed += await FailAsync(job, reason, cancellationToken) ? 1 : 0;
            }
        }

        return (failed, unreadable);
    }

    /// <summary>Marks the job failed unless it moved on since it was read (finished meanwhile).</summary>
    private async Task<bool> FailAsync(JobRecord job, string reason, CancellationToken cancellationToken)
    {
        var current = await store.ReadJobAsync(job.JobId, cancellationToken);
        if (current is null || current.State != job.State)
        {
            return false;
        }

        await store.WriteJobAsync(current with { State = JobState.Failed, Error = reason }, cancellationToken);
        LogFailed(logger, job.JobId, reason);
        return true;
    }

    private async Task<DateTimeOffset> LastResultAsync(JobRecord job, CancellationToken cancellationToken)
    {
        var last = job.CreatedAt;
        await foreach (var blob in store.Blobs.ListAsync(JobPaths.ResultsFolder(job.JobId), cancellationToken))
        {
            last = blob.LastModified > last ? blob.LastModified : last;
        }

        return last;
    }

    private async Task<List<string>> ListJobIdsAsync(CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        await foreach (var blob in store.Blobs.ListAsync(new BlobPath(Containers.Jobs, ""), cancellationToken))
        {
            var name = blob.Path.Name;
            if (name.EndsWith(JobFile, StringComparison.Ordinal) && name.IndexOf('/', StringComparison.Ordinal) == name.Length - JobFile.Length)
            {
                ids.Add(name[..^JobFile.Length]);
            }
        }

        return ids;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Job {JobId} marked failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string jobId, string reason);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Job {JobId} has every shard result but is not finalized; finalize message sent again")]
    private static partial void LogFinalizeResent(ILogger logger, string jobId);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Dead-lettered message {MessageId} on {Queue} is not a finalize message and was left alone: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, string messageId, string queue, string reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information,
        Message = "Janitor: {ShardsFailed} dead-lettered shards recorded as failed, {JobsFailed} jobs marked failed, {Resent} finalize messages re-sent, {Compared} checkpoint comparisons written, {Unreadable} unreadable dead letters (poison messages) left for a person")]
    private static partial void LogRun(ILogger logger, int shardsFailed, int jobsFailed, int resent, int compared, int unreadable);
}
