using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Storage;

namespace DiMaskDino.Pipeline.Tests.Jobs;

/// <summary>The janitor's rules (<see cref="JobLifecycle"/>) and which blobs are job records (<see cref="JobPaths.JobOfRecord"/>).</summary>
public sealed class JobLifecycleTests
{
    private static readonly DateTimeOffset Created = new(2026, 11, 25, 1, 0, 0, TimeSpan.Zero);

    private static readonly JobRecord Running = new()
    {
        JobId = "job-1",
        Request = new JobRequest { Dataset = "d", ImagesPrefix = "", Model = new ModelReference(ModelLocation.Blob, "m.onnx", "v") },
        State = JobState.Running,
        CreatedAt = Created,
        ShardCount = 12,
    };

    [Fact]
    public void A_planning_job_expires_only_after_its_deadline()
    {
        var planning = Running with { State = JobState.Planning };
        var deadline = TimeSpan.FromMinutes(30);

        Assert.Null(JobLifecycle.PlanningExpired(planning, Created + deadline, deadline));
        Assert.Equal("planning did not finish within 00:30:00", JobLifecycle.PlanningExpired(planning, Created + deadline + TimeSpan.FromSeconds(1), deadline));
        Assert.Null(JobLifecycle.PlanningExpired(Running, Created + TimeSpan.FromDays(9), deadline));
    }

    [Fact]
    public void A_running_job_with_missing_shards_expires_after_its_deadline_naming_the_first_ten()
    {
        var deadline = TimeSpan.FromHours(1);
        var late = Created + TimeSpan.FromHours(2);

        Assert.Null(JobLifecycle.RunningExpired(Running, [0, 1], Created + deadline, deadline));
        Assert.Null(JobLifecycle.RunningExpired(Running, [], late, deadline));
        Assert.Null(JobLifecycle.RunningExpired(Running with { State = JobState.Completed }, [0], late, deadline));
        Assert.Equal("did not finish within 01:00:00: 2 of 12 shards have no result (shards 3, 7)", JobLifecycle.RunningExpired(Running, [3, 7], late, deadline));
        Assert.Equal(
            "did not finish within 01:00:00: 11 of 12 shards have no result (shards 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, …)",
            JobLifecycle.RunningExpired(Running, [.. Enumerable.Range(0, 11)], late, deadline));
    }

    [Fact]
    public void Finalizing_is_overdue_when_every_shard_has_a_result_and_the_grace_after_the_last_one_passed()
    {
        var grace = TimeSpan.FromMinutes(10);
        var lastResult = Created + TimeSpan.FromMinutes(5);

        Assert.False(JobLifecycle.FinalizeOverdue(Running, [], lastResult, lastResult + grace, grace));
        Assert.True(JobLifecycle.FinalizeOverdue(Running, [], lastResult, lastResult + grace + TimeSpan.FromSeconds(1), grace));
        Assert.False(JobLifecycle.FinalizeOverdue(Running, [4], lastResult, lastResult + TimeSpan.FromDays(1), grace));
        Assert.False(JobLifecycle.FinalizeOverdue(Running with { State = JobState.Completed }, [], lastResult, lastResult + TimeSpan.FromDays(1), grace));
    }

    [Theory]
    [InlineData("jobs", "job-1/job.json", "job-1")]
    [InlineData("jobs", "job-1/shards/job.json", null)]
    [InlineData("jobs", "job-1/results/0.json", null)]
    [InlineData("jobs", "job.json", null)]
    [InlineData("jobs", "job-1/job.json.tmp", null)]
    [InlineData("labels", "job-1/job.json", null)]
    public void Only_a_job_json_directly_under_a_job_folder_is_a_job_record(string container, string name, string? jobId)
    {
        Assert.Equal(jobId, JobPaths.JobOfRecord(new BlobPath(container, name)));
        if (jobId is not null)
        {
            Assert.Equal(JobPaths.Job(jobId), new BlobPath(container, name));
        }
    }
}
