using DiMaskDino.Pipeline.Checkpoints;
using DiMaskDino.Pipeline.Planning;
using DiMaskDino.Pipeline.Processing;

namespace DiMaskDino.Functions.Jobs;

/// <summary>
/// Validate, then submit: a label job through <see cref="JobSubmitter"/>, an evaluation job through
/// <see cref="CheckpointEvaluator"/>. Shared by <c>POST /api/jobs</c> and the <c>_label.json</c> trigger.
/// </summary>
public sealed class JobSubmissions(JobRequestValidator validator, JobSubmitter submitter, CheckpointEvaluator checkpoints, FinalizeTrigger trigger)
{
    /// <returns>the submission, or null with <paramref name="errors"/> filled (keyed by field)</returns>
    public async Task<Submission?> SubmitAsync(SubmitJobBody body, Dictionary<string, string[]> errors, CancellationToken cancellationToken = default)
    {
        var validated = await validator.ValidateAsync(body, errors, cancellationToken);
        if (validated is null)
        {
            return null;
        }

        if (validated.Kind == JobKind.Evaluation)
        {
            return await checkpoints.SubmitAsync(validated.EvaluationModel!, cancellationToken);
        }

        var submission = await submitter.SubmitAsync(validated.Label!, cancellationToken);
        if (submission.Outcome == SubmissionOutcome.Planned && submission.Job.ShardCount == 0)
        {
            await trigger.CheckAsync(submission.Job, cancellationToken); // no shard will ever ask for finalizing
        }

        return submission;
    }

    /// <summary>snake_case name of an outcome, as the API reports it.</summary>
    public static string Name(SubmissionOutcome outcome) => outcome switch
    {
        SubmissionOutcome.Planned => "planned",
        SubmissionOutcome.Resumed => "resumed",
        SubmissionOutcome.AlreadyFinished => "already_finished",
        SubmissionOutcome.UpToDate => "up_to_date",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null),
    };
}
