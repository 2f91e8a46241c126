using System.Text.Json;
using DiMaskDino.Coco;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Planning;
using DiMaskDino.Pipeline.Tests.Fixtures;

namespace DiMaskDino.Pipeline.Tests.Embedded;

/// <summary>The embedded pipeline end to end on a real folder, the real local store and queue, and real ONNX Runtime.</summary>
[Collection(PipelineCollection.Name)]
public sealed class EmbeddedJobRunnerTests(TinyModel model)
{
    [Fact]
    public async Task A_job_labels_every_image_and_writes_a_coco_dataset_failures_and_summary()
    {
        using var harness = new EmbeddedHarness(model);
        SyntheticImages.WriteMany(harness.Input, 10);
        SyntheticImages.Write(harness.Input, "sub dir/ünïcode näme.png", 99, width: 30, height: 20);
        File.WriteAllText(Path.Combine(harness.Input, "README.txt"), "not part of the dataset");

        var result = await harness.RunAsync(harness.Request(shardSize: 4));

        Assert.Equal(SubmissionOutcome.Planned, result.Outcome);
        Assert.Equal(JobState.Completed, result.Job.State);
        Assert.Equal(3, result.Job.ShardCount);
        Assert.Equal(1, result.Job.FilesSkipped);
        var summary = result.Summary;
        Assert.Equal((11L, 11L, 0L), (summary.ImagesTotal, summary.ImagesLabeled, summary.ImagesFailed));
        Assert.Equal(33, summary.Annotations); // 3 instances per image at score threshold 0
        Assert.Equal(3, summary.Categories);

        var annotations = harness.TempFile("annotations.json");
        await File.WriteAllBytesAsync(annotations, await harness.OutputAsync(result.Job.JobId, JobPaths.AnnotationsFile));
        var dataset = CocoFiles.ReadDataset(annotations);
        Assert.Equal([.. Enumerable.Range(0, 10).Select(i => $"img-{i:D3}.png"), "sub dir/ünïcode näme.png"], dataset.Images.Select(i => i.FileName));
        Assert.Equal(Enumerable.Range(1, 11).Select(i => (long)i), dataset.Images.Select(i => i.Id));
        Assert.Equal((30, 20), (dataset.Images[^1].Width, dataset.Images[^1].Height));
        Assert.Equal(TinyModel.Categories.Select(c => (c.Id, c.Name)), dataset.Categories.Select(c => (c.Id, c.Name)));
        Assert.All(dataset.Annotations, a =>
        {
            var image = dataset.Images.Single(i => i.Id == a.ImageId);
            var rle = Assert.IsType<RleSegmentation>(a.Segmentation);
            Assert.Equal((image.Height, image.Width), (rle.Height, rle.Width));
            Assert.NotNull(a.Bbox);
            Assert.InRange(a.Score!.Value, 0, 1);
        });
        Assert.Equal(Enumerable.Range(1, 33).Select(i => (long)i), dataset.Annotations.Select(a => a.Id));
        Assert.Equal("[]\n", System.Text.Encoding.UTF8.GetString(await harness.OutputAsync(result.Job.JobId, JobPaths.FailuresFile)));
    }

    [Fact]
    public async Task Running_a_finished_job_again_is_a_no_op_with_identical_outputs()
    {
        using var harness = new EmbeddedHarness(model);
        SyntheticImages.WriteMany(harness.Input, 6);
        var first = await harness.RunAsync(harness.Request());
        var bytes = await OutputsAsync(harness, first.Job.JobId);
        var observer = new RecordingObserver();

        var second = await harness.RunAsync(harness.Request(), observer: observer);

        Assert.Equal(SubmissionOutcome.UpToDate, second.Outcome);
        Assert.Equal(first.Job.JobId, second.Job.JobId);
        Assert.Empty(observer.StartedShards);
        Assert.Equal(bytes, await OutputsAsync(harness, second.Job.JobId));
        Assert.Equal(JsonSerializer.Serialize(first.Summary), JsonSerializer.Serialize(second.Summary));
    }

    [Fact]
    public async Task Cancelling_mid_job_then_running_again_resumes_without_redoing_finished_shards_and_matches_an_uninterrupted_run()
    {
        using var interrupted = new EmbeddedHarness(model);
        using var reference = new EmbeddedHarness(model);
        SyntheticImages.WriteMany(interrupted.Input, 24);
        SyntheticImages.WriteMany(reference.Input, 24);
        using var cancel = new CancellationTokenSource();
        var first = new RecordingObserver(cancel, shardsBeforeCancel: 2);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => interrupted.RunAsync(interrupted.Request(shardSize: 3), workers: 1, first, cancel.Token));

        var finishedBefore = first.WrittenShards.ToHashSet();
        Assert.InRange(finishedBefore.Count, 2, 7);
        var jobId = (await interrupted.Jobs.Blobs.ReadAsync(JobPaths.Latest("local"))) is null
            ? JobIds.Derive(interrupted.Request(shardSize: 3), null)
            : throw new InvalidOperationException("the interrupted job must not be completed");
        var stamps = finishedBefore.ToDictionary(s => s, s => interrupted.Work.GetPropertiesAsync(JobPaths.Result(jobId, s)).Result!.ETag);

        var second = new RecordingObserver();
        var resumed = await interrupted.RunAsync(interrupted.Request(shardSize: 3), workers: 2, second);
        var uninterrupted = await reference.RunAsync(reference.Request(shardSize: 3));

        Assert.Equal(SubmissionOutcome.Resumed, resumed.Outcome);
        Assert.Equal(jobId, resumed.Job.JobId);
        Assert.Empty(second.StartedShards.Intersect(finishedBefore));
        Assert.Equal(Enumerable.Range(0, 8).Except(finishedBefore).Order(), second.StartedShards.Order());
        foreach (var (shard, etag) in stamps)
        {
            Assert.Equal(etag, (await interrupted.Work.GetPropertiesAsync(JobPaths.Result(jobId, shard)))!.ETag);
        }

        Assert.Equal(await OutputAsync(reference, uninterrupted, JobPaths.AnnotationsFile), await OutputAsync(interrupted, resumed, JobPaths.AnnotationsFile));
        Assert.Equal(24, resumed.Summary.ImagesLabeled);
    }

    private static async Task<byte[]> OutputAsync(EmbeddedHarness harness, Pipeline.Embedded.EmbeddedRunResult result, string file) =>
        await harness.OutputAsync(result.Job.JobId, file);

    private static async Task<byte[][]> OutputsAsync(EmbeddedHarness harness, string jobId) =>
    [
        await harness.OutputAsync(jobId, JobPaths.AnnotationsFile),
        await harness.OutputAsync(jobId, JobPaths.FailuresFile),
        await harness.OutputAsync(jobId, JobPaths.SummaryFile),
    ];
}
