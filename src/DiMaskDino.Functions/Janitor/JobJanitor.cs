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
/// <remarks>When a job needs which help is <see cref="JobLifecycle"/>'s rule; finding jobs is <see cref="JobStore.ListJobIdsAsync"/>.</remarks>
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
    public async Task<JanitorReport> RunAsync(CancellationToken cancellationToken = default)
    {
        var (shardsFailed, unreadable) = await sweeper.SweepWithUnreadableAsync(queues.Shards, cancellationToken);
        var (jobsFailed, unreadableFinalizes) = await FailDeadFinalizesAsync(cancellationToken);
        var resent = 0;
        var jobIds = new List<string>(); // listed first: the loop writes job records into the listed container
        await foreach (var jobId in store.ListJobIdsAsync(cancellationToken))
        {
            jobIds.Add(jobId);
        }

        foreach (var jobId in jobIds)
        {
            var job = await store.ReadJobAsync(jobId, cancellationToken);
            if (job is null)
            {
                continue;
            }

            if (JobLifecycle.PlanningExpired(job, time.GetUtcNow(), options.PlanningDeadline) is { } planningReason)
            {
                jobsFailed += await FailAsync(job, planningReason, cancellationToken) ? 1 : 0;
            }
            else if (job.State == JobState.Running)
            {
                var missing = await finalizer.MissingShardsAsync(job, cancellationToken);
                if (missing.Count == 0
                    && JobLifecycle.FinalizeOverdue(job, missing, await store.LastResultAtAsync(job, cancellationToken), time.GetUtcNow(), options.FinalizeGrace))
                {
                    await trigger.CheckAsync(job, cancellationToken);
                    LogFinalizeResent(logger, job.JobId);
                    resent++;
                }
                else if (JobLifecycle.RunningExpired(job, missing, time.GetUtcNow(), options.JobDeadline) is { } runningReason)
                {
                    jobsFailed += await FailAsync(job, runningReason, cancellationToken) ? 1 : 0;
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

    private async Task<bool> FailAsync(JobRecord job, string reason, CancellationToken cancellationToken)
    {
        if (!await store.FailJobAsync(job, reason, cancellationToken))
        {
            return false;
        }

        LogFailed(logger, job.JobId, reason);
        return true;
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
