using DiMaskDino.Pipeline.Jobs;

namespace DiMaskDino.Pipeline.Planning;

public enum SubmissionOutcome
{
    /// <summary>A new job was planned and its shard messages sent.</summary>
    Planned,

    /// <summary>The job existed unfinished; messages were sent again for the shards without results.</summary>
    Resumed,

    /// <summary>The job is already completed (or failed/cancelled); nothing was done.</summary>
    AlreadyFinished,

    /// <summary>The dataset's last completed job already covers every image unchanged; nothing was done and
    /// <see cref="Submission.Job"/> is that job.</summary>
    UpToDate,
}

/// <summary>What <see cref="JobSubmitter.SubmitAsync"/> did, and the job it refers to.</summary>
public sealed record Submission(JobRecord Job, SubmissionOutcome Outcome, int MessagesSent);
