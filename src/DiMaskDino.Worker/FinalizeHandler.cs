using DiMaskDino.Pipeline.Checkpoints;
using DiMaskDino.Pipeline.Finalizing;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Queues;

namespace DiMaskDino.Worker;

/// <summary>
/// Handles one finalize message: <see cref="JobFinalizer.FinalizeAsync"/> (idempotent), then, for a checkpoint
/// evaluation, the comparison with the best model (<see cref="CheckpointEvaluator.CompareAsync"/>, idempotent). Messages
/// of a cancelled or failed job are accepted without work. An exception means "retry" (the queue loop abandons or,
/// at the last delivery, dead-letters; the janitor then marks the job failed).
/// </summary>
public sealed partial class FinalizeHandler(JobStore store, JobFinalizer finalizer, CheckpointEvaluator checkpoints, ILogger<FinalizeHandler> logger)
{
    public async Task HandleAsync(BinaryData body, CancellationToken cancellationToken)
    {
        var message = PoisonMessageException.Parse(body, PipelineJsonContext.Default.FinalizeMessage, "finalize message");
        var job = await store.RequireJobAsync(message.JobId, cancellationToken);
        if (job.State is JobState.Cancelled or JobState.Failed)
        {
            LogSkipped(logger, job.JobId, job.State);
            return;
        }

        await finalizer.FinalizeAsync(job.JobId, cancellationToken);
        await checkpoints.CompareAsync(job.JobId, cancellationToken);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Finalize of job {JobId} skipped: the job is {State}")]
    private static partial void LogSkipped(ILogger logger, string jobId, JobState state);
}
