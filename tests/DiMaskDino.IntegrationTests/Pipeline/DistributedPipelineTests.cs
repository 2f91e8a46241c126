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
/// The distributed pipeline against Azurite: separate <c>dimaskdino worker</c> processes on a Storage queue, one of
/// them SIGKILLed mid-shard; and a shard that fails on every delivery.
/// </summary>
[Collection(AzuriteCollection.Name)]
[Trait("Category", "Integration")]
public sealed class DistributedPipelineTests(AzuriteFixture azurite, TinyModel model, ITestOutputHelper output) : IClassFixture<TinyModel>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Three_worker_processes_with_one_killed_mid_shard_complete_the_job_with_every_image_once_and_the_same_bytes_as_a_run_without_faults()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var pipeline = await AzuritePipeline.CreateAsync(azurite, model, images: 300);
        output.WriteLine($"{clock.Elapsed}: uploaded");
        var jobs = pipeline.Jobs;
        var shardQueue = pipeline.Queue(pipeline.ShardQueueName, 5, TimeSpan.FromSeconds(4));
        var finalizeQueue = pipeline.Queue(pipeline.FinalizeQueueName, 5, TimeSpan.FromSeconds(30));
        var submission = await new JobSubmitter(jobs, shardQueue, pipeline.Options(5), TimeProvider.System, NullLogger<JobSubmitter>.Instance)
            .SubmitAsync(pipeline.Request(shardSize: 10));
        var jobId = submission.Job.JobId;
        Assert.Equal(30, submission.MessagesSent);

        var arguments = pipeline.WorkerArguments(maxDeliveryCount: 5, lockSeconds: 4, idleExitSeconds: 6);
        using var victim = WorkerProcess.Start(arguments);
        using var second = WorkerProcess.Start(arguments);
        using var third = WorkerProcess.Start(arguments);
        var started = await victim.WaitForLineAsync(l => l.StartsWith($"shard {jobId} ", StringComparison.Ordinal) && l.Contains("started"), Patience);
        victim.Kill();
        output.WriteLine($"{clock.Elapsed}: killed");
        var killedShard = int.Parse(started.Split(' ')[2], System.Globalization.CultureInfo.InvariantCulture);
        output.WriteLine($"killed the worker during: {started}");

        Assert.Equal(0, await second.WaitForExitAsync(Patience));
        Assert.Equal(0, await third.WaitForExitAsync(Patience));
        output.WriteLine($"{clock.Elapsed}: workers exited");
        output.WriteLine($"worker 2: {second.Lines.Count} lines, worker 3: {third.Lines.Count} lines; stderr: {second.Errors}{third.Errors}");

        // The victim died before writing its shard: the message came back after its lock ran out and another worker did it.
        Assert.DoesNotContain(victim.Lines, l => l.StartsWith($"shard {jobId} {killedShard} finished", StringComparison.Ordinal));
        Assert.Contains(second.Lines.Concat(third.Lines), l => l.StartsWith($"shard {jobId} {killedShard} started", StringComparison.Ordinal));

        var finalize = await finalizeQueue.ReceiveAsync(1, TimeSpan.FromSeconds(10));
        Assert.NotEmpty(finalize);
        var finalizer = new JobFinalizer(jobs, new EvaluationRunner(pipeline.Store, NullLogger<EvaluationRunner>.Instance), NullLogger<JobFinalizer>.Instance);
        var summary = await finalizer.FinalizeAsync(JobStore.Deserialize(finalize[0].Body, PipelineJsonContext.Default.FinalizeMessage, "finalize").JobId);
        await finalize[0].CompleteAsync();

        Assert.Equal((300L, 300L, 0L), (summary.ImagesTotal, summary.ImagesLabeled, summary.ImagesFailed));
        var annotations = (await pipeline.Store.ReadAsync(JobPaths.Output(pipeline.Dataset, jobId, JobPaths.AnnotationsFile)))!.Data.ToArray();
        var file = pipeline.TempFile("annotations.json");
        await File.WriteAllBytesAsync(file, annotations);
        var dataset = CocoFiles.ReadDataset(file);
        Assert.Equal(Enumerable.Range(1, 300).Select(i => (long)i), dataset.Images.Select(i => i.Id));
        Assert.Equal(Enumerable.Range(0, 300).Select(i => $"img-{i:D3}.png"), dataset.Images.Select(i => i.FileName));

        // The same job without faults: one process, in-process queue, same store and images.
        output.WriteLine($"{clock.Elapsed}: finalized");
        var reference = await RunWithoutFaultsAsync(pipeline);
        output.WriteLine($"{clock.Elapsed}: reference done");
        Assert.Equal(reference, annotations);
    }

    [Fact]
    public async Task A_shard_that_fails_on_every_delivery_is_poisoned_after_the_max_delivery_count_and_the_job_finalizes_with_its_images_failed()
    {
        using var pipeline = await AzuritePipeline.CreateAsync(azurite, model, images: 12);
        var jobs = pipeline.Jobs;
        var shardQueue = pipeline.Queue(pipeline.ShardQueueName, 3, TimeSpan.FromSeconds(3));
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

        using var worker = WorkerProcess.Start(pipeline.WorkerArguments(maxDeliveryCount: 3, lockSeconds: 3, idleExitSeconds: 5));
        Assert.Equal(0, await worker.WaitForExitAsync(Patience));
        output.WriteLine(worker.Errors);
        Assert.Equal(3, worker.Errors.Split('\n').Count(l => l.Contains($"Message {jobId}:1 ", StringComparison.Ordinal)));

        var dead = new List<DiMaskDino.Pipeline.Queues.DeadLetteredMessage>();
        await foreach (var message in shardQueue.PeekDeadLettersAsync())
        {
            dead.Add(message);
        }

        Assert.Equal($"{jobId}:1", Assert.Single(dead).Id);
        Assert.Empty(await finalizeQueue.ReceiveAsync(1, TimeSpan.FromMilliseconds(500))); // shard 1 has no result yet

        // The janitor's sweep turns the poisoned shard into failures and triggers finalization.
        var finalizer = new JobFinalizer(jobs, new EvaluationRunner(pipeline.Store, NullLogger<EvaluationRunner>.Instance), NullLogger<JobFinalizer>.Instance);
        var sweeper = new DeadLetterSweeper(jobs, finalizer, new FinalizeTrigger(jobs, finalizeQueue), NullLogger<DeadLetterSweeper>.Instance);
        Assert.Equal(1, await sweeper.SweepAsync(shardQueue));
        Assert.Equal(0, await sweeper.SweepAsync(shardQueue));
        var finalize = await finalizeQueue.ReceiveAsync(1, TimeSpan.FromSeconds(10));
        var summary = await finalizer.FinalizeAsync(JobStore.Deserialize(Assert.Single(finalize).Body, PipelineJsonContext.Default.FinalizeMessage, "finalize").JobId);

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
