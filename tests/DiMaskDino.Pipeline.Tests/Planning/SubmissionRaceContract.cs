using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Planning;
using DiMaskDino.Pipeline.Queues;
using DiMaskDino.Pipeline.Storage;
using DiMaskDino.Pipeline.Tests.Fixtures;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiMaskDino.Pipeline.Tests.Planning;

/// <summary>
/// Two submissions of one explicit job id, raced on a real store (each adapter supplies one): creating the job is a
/// conditional create, a different request is a <see cref="JobConflictException"/> that leaves the job alone, and the
/// same request is idempotent. The race is lined up with <see cref="GatedBlobStore"/>, not left to timing.
/// </summary>
public abstract class SubmissionRaceContract
{
    private const int Images = 7;
    private readonly string _dataset = "race" + Guid.NewGuid().ToString("N")[..12];

    protected abstract Task<IBlobStore> CreateStoreAsync();

    private string JobId { get; } = "race-" + Guid.NewGuid().ToString("N")[..16];

    [Fact]
    public async Task A_different_request_for_a_job_still_planning_is_a_conflict_and_the_first_plan_stands()
    {
        var (store, submitter) = await StartAsync();
        store.HoldFirstList(Containers.Images);

        var first = Task.Run(() => submitter.SubmitAsync(Request(shardSize: 2)));
        await store.ListReached; // the first submission has created the job and is planning it
        Assert.Equal(JobState.Planning, (await new JobStore(store).RequireJobAsync(JobId)).State);

        var conflict = await Assert.ThrowsAsync<JobConflictException>(() => submitter.SubmitAsync(Request(shardSize: 3)));
        store.ReleaseList();
        var planned = await first;

        Assert.Equal(["shard_size"], conflict.DifferingFields);
        Assert.Equal($"job {JobId} already exists with a different request (shard_size differ): choose another job_id, or repeat that job's request", conflict.Message);
        Assert.Equal(SubmissionOutcome.Planned, planned.Outcome);
        await AssertPlannedAsync(store, shardSize: 2);
    }

    [Fact]
    public async Task The_same_request_for_a_job_still_planning_is_idempotent()
    {
        var (store, submitter) = await StartAsync();
        store.HoldFirstList(Containers.Images);

        var first = Task.Run(() => submitter.SubmitAsync(Request(shardSize: 2)));
        await store.ListReached;
        var second = await submitter.SubmitAsync(Request(shardSize: 2)); // plans the same request again, unheld
        store.ReleaseList();
        var firstDone = await first;

        Assert.Equal(SubmissionOutcome.Planned, second.Outcome);
        Assert.Equal(SubmissionOutcome.Resumed, firstDone.Outcome); // found it planned when its own plan was done
        Assert.Equal(4, second.MessagesSent + firstDone.MessagesSent); // one message per shard in all
        await AssertPlannedAsync(store, shardSize: 2);
    }

    [Fact]
    public async Task Two_submissions_that_both_find_no_job_create_it_once()
    {
        var (store, submitter) = await StartAsync();
        store.MeetAtRead(JobPaths.Job(JobId), readers: 2); // both read "no job" before either creates it

        var results = await Task.WhenAll(
            Outcome(() => submitter.SubmitAsync(Request(shardSize: 2))),
            Outcome(() => submitter.SubmitAsync(Request(shardSize: 3))));

        var winner = Assert.Single(results, result => result.Submission is not null).Submission!;
        var loser = Assert.IsType<JobConflictException>(Assert.Single(results, result => result.Error is not null).Error);
        Assert.Equal(SubmissionOutcome.Planned, winner.Outcome);
        Assert.Equal(["shard_size"], loser.DifferingFields);
        await AssertPlannedAsync(store, winner.Job.Request.ShardSize);
    }

    [Fact]
    public async Task Repeating_a_finished_jobs_request_is_idempotent_and_a_different_one_still_conflicts()
    {
        var (store, submitter) = await StartAsync();
        var planned = await submitter.SubmitAsync(Request(shardSize: 2));
        var jobs = new JobStore(store);
        await jobs.WriteJobAsync(planned.Job with { State = JobState.Completed });

        Assert.Equal(SubmissionOutcome.AlreadyFinished, (await submitter.SubmitAsync(Request(shardSize: 2))).Outcome);
        var conflict = await Assert.ThrowsAsync<JobConflictException>(() => submitter.SubmitAsync(Request(shardSize: 2) with
        {
            Model = new ModelReference(ModelLocation.Blob, "m.onnx", "\"2\""),
        }));
        Assert.Equal(["model"], conflict.DifferingFields);
        Assert.Equal(JobState.Completed, (await jobs.RequireJobAsync(JobId)).State);
    }

    private async Task<(GatedBlobStore Store, JobSubmitter Submitter)> StartAsync()
    {
        var inner = await CreateStoreAsync();
        for (var i = 0; i < Images; i++)
        {
            await inner.WriteAsync(JobPaths.Image($"{_dataset}/img-{i}.png"), BinaryData.FromString($"image {i}"), WriteMode.Overwrite);
        }

        var store = new GatedBlobStore(inner);
        var submitter = new JobSubmitter(new JobStore(store), new InProcessWorkQueue("shards", 5), new PipelineOptions(), TimeProvider.System,
            NullLogger<JobSubmitter>.Instance);
        return (store, submitter);
    }

    private JobRequest Request(int shardSize) => new()
    {
        Dataset = _dataset,
        ImagesPrefix = $"{_dataset}/",
        Model = new ModelReference(ModelLocation.Blob, "m.onnx", "\"1\""),
        ShardSize = shardSize,
        JobId = JobId,
    };

    /// <summary>The job is running with the request of shard size <paramref name="shardSize"/>, and its manifests agree.</summary>
    private async Task AssertPlannedAsync(IBlobStore store, int shardSize)
    {
        var jobs = new JobStore(store);
        var job = await jobs.RequireJobAsync(JobId);
        var shards = (Images + shardSize - 1) / shardSize;
        Assert.Equal(JobState.Running, job.State);
        Assert.Equal(shardSize, job.Request.ShardSize);
        Assert.Equal(shards, job.ShardCount);
        Assert.Equal(Images, job.ImagesTotal);
        var manifests = new List<BlobProperties>();
        await foreach (var blob in store.ListAsync(JobPaths.ShardsFolder(JobId)))
        {
            manifests.Add(blob);
        }

        Assert.Equal(shards, manifests.Count);
        var sizes = new List<int>();
        for (var shard = 0; shard < shards; shard++)
        {
            sizes.Add((await jobs.RequireManifestAsync(JobId, shard)).Images.Count);
        }

        Assert.Equal(Images, sizes.Sum());
        Assert.All(sizes, size => Assert.InRange(size, 1, shardSize));
    }

    private static async Task<(Submission? Submission, Exception? Error)> Outcome(Func<Task<Submission>> submit)
    {
        try
        {
            return (await Task.Run(submit), null);
        }
        catch (JobConflictException e)
        {
            return (null, e);
        }
    }
}
