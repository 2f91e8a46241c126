using DiMaskDino.Pipeline.Checkpoints;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Queues;
using Microsoft.Extensions.Logging;

namespace DiMaskDino.Pipeline.Finalizing;

/// <summary>
/// The one way a job is finalized, for every consumer of finalize work (the Worker's Service Bus and Storage-queue
/// loops, the embedded runner): <see cref="JobFinalizer.FinalizeAsync"/> (idempotent), then, for a checkpoint
/// evaluation, the comparison with the best model (<see cref="CheckpointEvaluator.CompareAsync"/>, idempotent; nothing
/// for other jobs). <see cref="HandleAsync"/> takes a finalize message: messages of a cancelled or failed job are
/// accepted without work, and an exception means "retry" (the queue host settles by <see cref="Workers.Settlement"/>;
/// after the last delivery the janitor marks the job failed).
/// </summary>
public sealed partial class FinalizeHandler(JobStore store, JobFinalizer finalizer, CheckpointEvaluator checkpoints, ILogger<FinalizeHandler> logger)
{
    /// <summary>Handles one <see cref="FinalizeMessage"/> body.</summary>
    public async Task HandleAsync(BinaryData body, CancellationToken cancellationToken)
    {
        var message = PoisonMessageException.Parse(body, PipelineJsonContext.Default.FinalizeMessage, "finalize message");
        var job = await store.RequireJobAsync(message.JobId, cancellationToken);
        if (job.State is JobState.Cancelled or JobState.Failed)
        {
            LogSkipped(logger, job.JobId, job.State);
            return;
        }

        await FinalizeAsync(job.JobId, cancellationToken);
    }

    /// <summary>Finalizes job <paramref name="jobId"/> and makes its checkpoint comparison when it is a checkpoint evaluation.</summary>
    public async Task<JobSummary> FinalizeAsync(string jobId, CancellationToken cancellationToken = default)
    {
        var summary = await finalizer.FinalizeAsync(jobId, cancellationToken);
        await checkpoints.CompareAsync(jobId, cancellationToken);
        return summary;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Finalize of job {JobId} skipped: the job is {State}")]
    private static partial void LogSkipped(ILogger logger, string jobId, JobState state);
}
