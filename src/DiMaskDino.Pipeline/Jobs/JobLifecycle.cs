namespace DiMaskDino.Pipeline.Jobs;

/// <summary>
/// When a job that its workers left unfinished needs help (what the janitor acts on): a job still planning or running
/// past its deadline is given up with a reason; a running job whose shards all have results but that nobody finalized
/// gets its finalize message again. Every rule is relative to <c>now</c>, so a run is repeatable.
/// </summary>
public static class JobLifecycle
{
    /// <summary>The reason to fail a job still planning <paramref name="deadline"/> after it was created (its planner died); null otherwise.</summary>
    public static string? PlanningExpired(JobRecord job, DateTimeOffset now, TimeSpan deadline)
    {
        ArgumentNullException.ThrowIfNull(job);
        return job.State == JobState.Planning && now - job.CreatedAt > deadline ? $"planning did not finish within {deadline}" : null;
    }

    /// <summary>
    /// The reason to fail a running job whose <paramref name="missing"/> shards still have no result
    /// <paramref name="deadline"/> after it was created; null otherwise. The reason names the first ten missing shards.
    /// </summary>
    public static string? RunningExpired(JobRecord job, IReadOnlyList<int> missing, DateTimeOffset now, TimeSpan deadline)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(missing);
        if (job.State != JobState.Running || missing.Count == 0 || now - job.CreatedAt <= deadline)
        {
            return null;
        }

        var shown = string.Join(", ", missing.Take(10)) + (missing.Count > 10 ? ", …" : "");
        return $"did not finish within {deadline}: {missing.Count} of {job.ShardCount} shards have no result (shards {shown})";
    }

    /// <summary>
    /// A running job with every shard result (<paramref name="missing"/> empty) still not finalized
    /// <paramref name="grace"/> after its last result: its finalize message was lost and is due again.
    /// </summary>
    public static bool FinalizeOverdue(JobRecord job, IReadOnlyList<int> missing, DateTimeOffset lastResultAt, DateTimeOffset now, TimeSpan grace)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(missing);
        return job.State == JobState.Running && missing.Count == 0 && now - lastResultAt > grace;
    }
}
