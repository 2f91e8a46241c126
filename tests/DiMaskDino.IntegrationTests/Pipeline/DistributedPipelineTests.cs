using System.Text.Json;
using DiMaskDino.Coco;
using DiMaskDino.IntegrationTests.Azurite;
using DiMaskDino.Inference.Batching;
using DiMaskDino.Inference.Runtime;
using DiMaskDino.Pipeline.Embedded;
using DiMaskDino.Pipeline.Finalizing;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Planning;
using DiMaskDino.Pipeline.Processing;
using DiMaskDino.Pipeline.Storage;
using DiMaskDino.Pipeline.Tests.Fixtures;
using DiMaskDino.Pipeline.Workers;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace DiMaskDino.IntegrationTests.Pipeline;

/// <summary>
/// The distributed pipeline against Azurite: separate <c>DiMaskDino.Worker</c> processes on Storage queues, one of them
/// SIGKILLed mid-shard; and a shard that fails on every delivery. The workers label and finalize; the tests stop them
/// by killing them.
/// </summary>
[Collection(AzuriteCollection.Name)]
[Trait("Category", "Integration")]
public sealed class DistributedPipelineTests(AzuriteFixture azurite, TinyModel model, ITestOutputHelper output) : IClassFixture<TinyModel>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(180);

    [Fact]
    public async Task Three_worker_processes_with_one_killed_mid_shard_complete_the_job_with_every_image_once_and_the_same_bytes_as_a_run_without_faults()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var pipeline = await AzuritePipeline.CreateAsync(azurite, model, images: 300);
        output.WriteLine($"{clock.Elapsed}: uploaded");
        var jobs = pipeline.Jobs;
        var shardQueue = pipeline.Queue(pipeline.ShardQueueName, 5, TimeSpan.FromSeconds(5));
        var submission = await new JobSubmitter(jobs, shardQueue, pipeline.Options(5), TimeProvider.System, NullLogger<JobSubmitter>.Instance)
            .SubmitAsync(pipeline.Request(shardSize: 10));
        var jobId = submission.Job.JobId;
        Assert.Equal(30, submission.MessagesSent);

        var settings = pipeline.WorkerSettings(maxDeliveryCount: 5, lockDuration: TimeSpan.FromSeconds(5));
        using var victim = WorkerProcess.Start(settings);
        using var second = WorkerProcess.Start(settings);
        using var third = WorkerProcess.Start(settings);
        var started = await victim.WaitForLineAsync(l => l.Contains($"Job {jobId} shard ", StringComparison.Ordinal) && l.Contains(" started: ", StringComparison.Ordinal), Patience);
        victim.Kill();
        output.WriteLine($"{clock.Elapsed}: killed");
        var killedShard = int.Parse(started[(started.IndexOf(" shard ", StringComparison.Ordinal) + 7)..].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        output.WriteLine($"killed the worker during: {started}");

        // The two others label the rest and finalize (the Worker serves the finalize queue too); they keep running.
        var summary = await pipeline.WaitForCompletionAsync(jobId, Patience, () => $"{second.Log()}\n---\n{third.Log()}");
        output.WriteLine($"{clock.Elapsed}: finalized");
        Assert.False(second.HasExited, second.Log());
        Assert.False(third.HasExited, third.Log());

        // The victim died before writing its shard: the message came back after its lock ran out and another worker did it.
        Assert.DoesNotContain(victim.Lines, l => l.Contains($"Job {jobId} shard {killedShard} finished", StringComparison.Ordinal));
        Assert.Contains(second.Lines.Concat(third.Lines), l => l.Contains($"Job {jobId} shard {killedShard} started", StringComparison.Ordinal));

        Assert.Equal((300L, 300L, 0L), (summary.ImagesTotal, summary.ImagesLabeled, summary.ImagesFailed));
        var annotations = await pipeline.AnnotationsAsync(pipeline.Dataset, jobId);
        var file = pipeline.TempFile("annotations.json");
        await File.WriteAllBytesAsync(file, annotations);
        var dataset = CocoFiles.ReadDataset(file);
        Assert.Equal(Enumerable.Range(1, 300).Select(i => (long)i), dataset.Images.Select(i => i.Id));
        Assert.Equal(Enumerable.Range(0, 300).Select(i => $"img-{i:D3}.png"), dataset.Images.Select(i => i.FileName));

        // The same job without faults: one process, in-process queue, same store and images.
        var reference = await RunWithoutFaultsAsync(pipeline);
        output.WriteLine($"{clock.Elapsed}: reference done");
        Assert.Equal(reference, annotations);
    }

    [Fact]
    public async Task A_shard_that_fails_on_every_delivery_is_poisoned_after_the_max_delivery_count_and_the_job_finalizes_with_its_images_failed()
    {
        using var pipeline = await AzuritePipeline.CreateAsync(azurite, model, images: 12);
        var jobs = pipeline.Jobs;
        var shardQueue = pipeline.Queue(pipeline.ShardQueueName, 3, TimeSpan.FromSeconds(5));
        var finalizeQueue = pipeline.Queue(pipeline.FinalizeQueueName, 3, TimeSpan.FromSeconds(30));
        var submission = await new JobSubmitter(jobs, shardQueue, pipeline.Options(3), TimeProvider.System, NullLogger<JobSubmitter>.Instance)
            .SubmitAsync(pipeline.Request(shardSize: 4));
        var jobId = submission.Job.JobId;

        // Shard 1 names an image outside the images container: refused on every delivery.
        var manifest = await jobs.RequireManifestAsync(jobId, 1);
        var images = manifest.Images.ToArray();
        images[2] = images[2] with { Name = $"{pipeline.Dataset}/../../jobs/{jobId}/job.json" };
        await pipeline.Store.WriteAsync(
            JobPaths.Shard(jobId, 1),
            BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(manifest with { Images = images }, PipelineJsonContext.Default.ShardManifest)),
            WriteMode.Overwrite);

        using var worker = WorkerProcess.Start(pipeline.WorkerSettings(maxDeliveryCount: 3, lockDuration: TimeSpan.FromSeconds(5)));
        await worker.WaitForLineAsync(l => l.Contains($"Message {jobId}:1 ", StringComparison.Ordinal) && l.Contains("dead-lettered", StringComparison.Ordinal), Patience);
        output.WriteLine(worker.Log());
        Assert.Equal(3, worker.Lines.Count(l => l.Contains($"Message {jobId}:1 ", StringComparison.Ordinal)));

        var dead = new List<DiMaskDino.Pipeline.Queues.DeadLetteredMessage>();
        await foreach (var message in shardQueue.PeekDeadLettersAsync())
        {
            dead.Add(message);
        }

        Assert.Equal($"{jobId}:1", Assert.Single(dead).Id);
        // Shard 1 has no result, so nothing triggered finalization: the job is still running.
        foreach (var shard in new[] { 0, 2 })
        {
            await worker.WaitForLineAsync(l => l.Contains($"Job {jobId} shard {shard} finished", StringComparison.Ordinal), Patience);
        }

        Assert.Equal(JobState.Running, (await jobs.RequireJobAsync(jobId)).State);

        // The janitor's sweep turns the poisoned shard into failures and triggers finalization, which the worker does.
        var finalizer = new JobFinalizer(jobs, new EvaluationRunner(pipeline.Store, NullLogger<EvaluationRunner>.Instance), NullLogger<JobFinalizer>.Instance);
        var sweeper = new DeadLetterSweeper(jobs, finalizer, new FinalizeTrigger(jobs, finalizeQueue), NullLogger<DeadLetterSweeper>.Instance);
        Assert.Equal(1, await sweeper.SweepAsync(shardQueue));
        Assert.Equal(0, await sweeper.SweepAsync(shardQueue));
        var summary = await pipeline.WaitForCompletionAsync(jobId, Patience, () => worker.Log());

        Assert.Equal((12L, 8L, 4L, 1), (summary.ImagesTotal, summary.ImagesLabeled, summary.ImagesFailed, summary.ShardsFailed));
        var failures = JsonSerializer.Deserialize<List<Dictionary<string, string>>>(
            (await pipeline.Store.ReadAsync(JobPaths.Output(pipeline.Dataset, jobId, JobPaths.FailuresFile)))!.Data.ToArray())!;
        Assert.Equal(4, failures.Count);
        Assert.All(failures, f => Assert.StartsWith("shard 1 dead-lettered after 3 deliveries: InvalidDataException: ", f["reason"], StringComparison.Ordinal));
        output.WriteLine(failures[0]["reason"]);
    }

    private async Task<byte[]> RunWithoutFaultsAsync(AzuritePipeline pipeline)
    {
        using var models = new ModelCache(
            pipeline.Store,
            new ModelCacheOptions
            {
                CacheDirectory = pipeline.TempFile("reference-models"),
                Inference = new InferenceOptions { PreferredProvider = ExecutionProvider.Cpu },
                Batching = new BatchPredictorOptions { BatchSize = 4 },
            },
            NullLoggerFactory.Instance);
        var runner = new EmbeddedJobRunner(pipeline.Store, models, new DiMaskDino.Pipeline.PipelineOptions(), NullLoggerFactory.Instance);
        var result = await runner.RunAsync(pipeline.Request(shardSize: 10, dataset: $"ref-{pipeline.Suffix}"), workers: 2);
        return (await pipeline.Store.ReadAsync(JobPaths.Output(result.Job.Request.Dataset, result.Job.JobId, JobPaths.AnnotationsFile)))!.Data.ToArray();
    }
}
