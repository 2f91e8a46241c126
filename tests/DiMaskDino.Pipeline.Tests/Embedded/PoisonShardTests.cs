using System.Text.Json;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Planning;
using DiMaskDino.Pipeline.Queues;
using DiMaskDino.Pipeline.Storage;
using DiMaskDino.Pipeline.Tests.Fixtures;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiMaskDino.Pipeline.Tests.Embedded;

[Collection(PipelineCollection.Name)]
public sealed class PoisonShardTests(TinyModel model)
{
    [Fact]
    public async Task A_shard_that_fails_every_time_is_dead_lettered_after_the_max_delivery_count_and_its_images_end_in_failures_json()
    {
        using var harness = new EmbeddedHarness(model);
        SyntheticImages.WriteMany(harness.Input, 8);
        SyntheticImages.Write(harness.TempFile(), "outside.png", 77); // next to the input folder: must never be read
        var request = harness.Request(shardSize: 4);
        var planned = await new JobSubmitter(harness.Jobs, new InProcessWorkQueue("scratch", 5), harness.Options, TimeProvider.System, NullLogger<JobSubmitter>.Instance)
            .SubmitAsync(request);
        var jobId = planned.Job.JobId;

        // Tamper with shard 1: its second image now points outside the images container. Processing it fails every time.
        var manifest = await harness.Jobs.RequireManifestAsync(jobId, 1);
        var images = manifest.Images.ToArray();
        images[1] = images[1] with { Name = "../outside.png" };
        await harness.Work.WriteAsync(
            JobPaths.Shard(jobId, 1),
            BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(manifest with { Images = images }, PipelineJsonContext.Default.ShardManifest)),
            WriteMode.Overwrite);
        var observer = new RecordingObserver();

        var result = await harness.RunAsync(request, workers: 2, observer);

        Assert.Equal(SubmissionOutcome.Resumed, result.Outcome);
        Assert.Equal(JobState.Completed, result.Job.State);
        Assert.Equal((8L, 4L, 4L, 1), (result.Summary.ImagesTotal, result.Summary.ImagesLabeled, result.Summary.ImagesFailed, result.Summary.ShardsFailed));
        Assert.DoesNotContain(1, observer.StartedShards); // refused before any image was read
        var failures = JsonSerializer.Deserialize<List<Dictionary<string, string>>>(await harness.OutputAsync(jobId, JobPaths.FailuresFile))!;
        Assert.Equal(["img-004.png", "../outside.png", "img-006.png", "img-007.png"], failures.Select(f => f["file_name"]));
        Assert.All(failures, f =>
        {
            Assert.StartsWith("shard 1 dead-lettered after 5 deliveries: InvalidDataException: ", f["reason"], StringComparison.Ordinal);
            Assert.Contains("unsafe name", f["reason"], StringComparison.Ordinal);
        });
    }
}
