using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Storage;
using DiMaskDino.TestSupport;

namespace DiMaskDino.Pipeline.Tests.Jobs;

/// <summary>The janitor's store operations on a real folder store: listing jobs, the last result's time, failing a job.</summary>
public sealed class JobStoreLifecycleTests
{
    [Fact]
    public async Task Listing_finds_every_job_record_and_nothing_else()
    {
        using var temp = new TemporaryDirectory();
        var blobs = new LocalFolderBlobStore(temp.Path);
        var store = new JobStore(blobs);
        await store.WriteJobAsync(Job("job-b"));
        await store.WriteJobAsync(Job("job-a"));
        await blobs.WriteAsync(JobPaths.Shard("job-a", 0), BinaryData.FromString("{}"), WriteMode.Overwrite);
        await blobs.WriteAsync(new BlobPath(Containers.Jobs, "stray.json"), BinaryData.FromString("{}"), WriteMode.Overwrite);

        var ids = new List<string>();
        await foreach (var id in store.ListJobIdsAsync())
        {
            ids.Add(id);
        }

        Assert.Equal(["job-a", "job-b"], ids.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_last_result_time_is_the_creation_time_until_a_result_is_written()
    {
        using var temp = new TemporaryDirectory();
        var blobs = new LocalFolderBlobStore(temp.Path);
        var store = new JobStore(blobs);
        var job = Job("job-1") with { CreatedAt = DateTimeOffset.UtcNow.AddDays(-1) };

        Assert.Equal(job.CreatedAt, await store.LastResultAtAsync(job));

        await blobs.WriteAsync(JobPaths.Result("job-1", 0), BinaryData.FromString("{}"), WriteMode.Overwrite);
        var written = (await blobs.GetPropertiesAsync(JobPaths.Result("job-1", 0)))!.LastModified;
        Assert.Equal(written, await store.LastResultAtAsync(job));
    }

    [Fact]
    public async Task Failing_a_job_that_moved_on_since_it_was_read_leaves_it_alone()
    {
        using var temp = new TemporaryDirectory();
        var store = new JobStore(new LocalFolderBlobStore(temp.Path));
        var read = Job("job-1");
        await store.WriteJobAsync(read with { State = JobState.Completed });

        Assert.False(await store.FailJobAsync(read, "too late"));
        Assert.Equal(JobState.Completed, (await store.RequireJobAsync("job-1")).State);

        await store.WriteJobAsync(read);
        Assert.True(await store.FailJobAsync(read, "stuck"));
        var failed = await store.RequireJobAsync("job-1");
        Assert.Equal((JobState.Failed, "stuck"), (failed.State, failed.Error));
    }

    private static JobRecord Job(string jobId) => new()
    {
        JobId = jobId,
        Request = new JobRequest { Dataset = "d", ImagesPrefix = "", Model = new ModelReference(ModelLocation.Blob, "m.onnx", "v") },
        State = JobState.Running,
        CreatedAt = new DateTimeOffset(2026, 11, 25, 1, 0, 0, TimeSpan.Zero),
    };
}
