using System.Text.Json;
using DiMaskDino.Pipeline.Embedded;
using DiMaskDino.Pipeline.Finalizing;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Planning;
using DiMaskDino.Pipeline.Processing;
using DiMaskDino.Pipeline.Queues;
using DiMaskDino.Pipeline.Storage;
using DiMaskDino.Pipeline.Tests.Fixtures;
using DiMaskDino.Pipeline.Workers;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiMaskDino.Pipeline.Tests.Processing;

/// <summary>
/// <see cref="FinalizeTrigger"/>: readiness without listing the results after every shard, right under races,
/// redelivery and a worker that dies between its result and its check. Real planning, local store, in-process queues.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class FinalizeReadinessTests(TinyModel model)
{
    [Theory]
    [InlineData("ascending")]
    [InlineData("descending")]
    [InlineData("shuffled")]
    public async Task A_50_shard_job_is_ready_exactly_at_its_last_result_with_O_shards_probes_and_no_listing(string order)
    {
        using var harness = new EmbeddedHarness(model);
        var job = await PlanAsync(harness, shards: 50);
        var store = new CountingBlobStore(harness.Store);
        var jobs = new JobStore(store);
        var finalize = new InProcessWorkQueue("finalize", maxDeliveryCount: 5);
        var trigger = new FinalizeTrigger(jobs, finalize);
        var shards = Enumerable.Range(0, 50).ToArray();
        shards = order switch
        {
            "descending" => [.. shards.Reverse()],
            "shuffled" => [.. shards.OrderBy(_ => Random.Shared.Next())],
            _ => shards,
        };

        var answers = new List<bool>();
        foreach (var shard in shards)
        {
            await Finalizer(jobs).FailShardAsync(job.JobId, shard, "test result");
            answers.Add(await trigger.CheckAsync(job));
        }

        Assert.Equal([.. Enumerable.Repeat(false, 49), true], answers);
        Assert.Equal(1, finalize.ActiveMessageCount);
        Assert.Equal(0, store.Listings(JobPaths.ResultsFolder(job.JobId)));
        Assert.InRange(store.PropertiesCalls(JobPaths.ResultsFolder(job.JobId)), 50, 2 * 50); // each result passed once, one miss per check
    }

    [Fact]
    public async Task When_two_workers_finish_the_last_two_shards_at_the_same_time_at_least_one_sees_the_job_ready()
    {
        using var harness = new EmbeddedHarness(model);
        for (var round = 0; round < 20; round++)
        {
            var job = await PlanAsync(harness, shards: 3, jobId: $"race-{round}");
            var trigger = new FinalizeTrigger(harness.Jobs, finalizeQueue: null);
            await Finalizer(harness.Jobs).FailShardAsync(job.JobId, 0, "test result");
            Assert.False(await trigger.CheckAsync(job));

            var last = await Task.WhenAll(
                Task.Run(async () => await Finalizer(harness.Jobs).FailShardAsync(job.JobId, 1, "test result") && await trigger.CheckAsync(job)),
                Task.Run(async () => await Finalizer(harness.Jobs).FailShardAsync(job.JobId, 2, "test result") && await trigger.CheckAsync(job)));

            Assert.Contains(true, last);
        }
    }

    [Fact]
    public async Task A_worker_that_died_after_writing_the_last_result_is_covered_by_the_redelivered_message()
    {
        using var harness = new EmbeddedHarness(model);
        var job = await PlanAsync(harness, shards: 3);
        for (var shard = 0; shard < 3; shard++)
        {
            await Finalizer(harness.Jobs).FailShardAsync(job.JobId, shard, "written, then the worker died"); // no check ever ran
        }

        var finalize = new InProcessWorkQueue("finalize", maxDeliveryCount: 5);
        var processor = new ShardProcessor(harness.Jobs, harness.Models, new FinalizeTrigger(harness.Jobs, finalize), harness.Options, NullLogger<ShardProcessor>.Instance);
        await processor.ProcessAsync(ShardBody(job.JobId, 2), CancellationToken.None);

        var message = Assert.Single(await finalize.ReceiveAsync(1, TimeSpan.Zero));
        Assert.Equal($"{job.JobId}:finalize", message.Id);
    }

    [Fact]
    public async Task A_worker_that_died_after_writing_the_last_result_on_its_last_delivery_is_covered_by_the_dead_letter_sweep()
    {
        using var harness = new EmbeddedHarness(model);
        var shardQueue = new InProcessWorkQueue("shards", maxDeliveryCount: 1);
        var job = await PlanAsync(harness, shards: 3, queue: shardQueue);
        for (var shard = 0; shard < 3; shard++)
        {
            await Finalizer(harness.Jobs).FailShardAsync(job.JobId, shard, "written, then the worker died");
        }

        var received = await shardQueue.ReceiveAsync(3, TimeSpan.Zero);
        await received.Single(m => m.Id == $"{job.JobId}:2").DeadLetterAsync("IOException: the worker died");
        var finalize = new InProcessWorkQueue("finalize", maxDeliveryCount: 5);
        var sweeper = new DeadLetterSweeper(harness.Jobs, Finalizer(harness.Jobs), new FinalizeTrigger(harness.Jobs, finalize), NullLogger<DeadLetterSweeper>.Instance);

        Assert.Equal(0, await sweeper.SweepAsync(shardQueue)); // the shard had its result: nothing to fail
        Assert.Equal(1, finalize.ActiveMessageCount);
    }

    [Fact]
    public async Task A_check_repeated_by_a_redelivery_answers_ready_again_and_an_unreadable_hint_only_costs_probes()
    {
        using var harness = new EmbeddedHarness(model);
        var job = await PlanAsync(harness, shards: 4);
        var trigger = new FinalizeTrigger(harness.Jobs, finalizeQueue: null);
        for (var shard = 0; shard < 4; shard++)
        {
            await Finalizer(harness.Jobs).FailShardAsync(job.JobId, shard, "test result");
        }

        Assert.True(await trigger.CheckAsync(job));
        Assert.True(await trigger.CheckAsync(job));
        await harness.Store.WriteAsync(JobPaths.FinishedBelow(job.JobId), BinaryData.FromString("not a number"), WriteMode.Overwrite);
        Assert.True(await trigger.CheckAsync(job));
        await harness.Store.WriteAsync(JobPaths.FinishedBelow(job.JobId), BinaryData.FromString("99"), WriteMode.Overwrite);
        Assert.True(await trigger.CheckAsync(job));
    }

    [Fact]
    public async Task The_embedded_runner_lists_the_results_of_a_50_shard_job_once_not_after_every_shard()
    {
        using var harness = new EmbeddedHarness(model);
        SyntheticImages.WriteMany(harness.Input, 50);
        var store = new CountingBlobStore(harness.Store);
        var runner = new EmbeddedJobRunner(store, harness.Models, harness.Options, NullLoggerFactory.Instance);

        var result = await runner.RunAsync(harness.Request(shardSize: 1), workers: 2);

        Assert.Equal((JobState.Completed, 50, 50L), (result.Job.State, result.Job.ShardCount, result.Summary.ImagesLabeled));
        var results = JobPaths.ResultsFolder(result.Job.JobId);
        Assert.Equal(2, store.Listings(results)); // the submitter's (still empty) and the finalizer's own completeness check
        Assert.Equal(50, store.ListedEntries(results)); // was 1 + 2 + … + 50 = 1 275 entries, plus 50 more every 200 ms
        Assert.InRange(store.PropertiesCalls(results), 50, 4 * 50);
    }

    private static async Task<JobRecord> PlanAsync(EmbeddedHarness harness, int shards, string? jobId = null, IWorkQueue? queue = null)
    {
        if (!Directory.EnumerateFiles(harness.Input).Any())
        {
            SyntheticImages.WriteMany(harness.Input, shards);
        }

        var submitter = new JobSubmitter(
            harness.Jobs, queue ?? new InProcessWorkQueue("shards", maxDeliveryCount: 5), harness.Options, TimeProvider.System, NullLogger<JobSubmitter>.Instance);
        var submission = await submitter.SubmitAsync(harness.Request(shardSize: 1) with { JobId = jobId });
        Assert.Equal(shards, submission.Job.ShardCount);
        return submission.Job;
    }

    private static JobFinalizer Finalizer(JobStore jobs) =>
        new(jobs, new EvaluationRunner(jobs.Blobs, NullLogger<EvaluationRunner>.Instance), NullLogger<JobFinalizer>.Instance);

    private static BinaryData ShardBody(string jobId, int shard) =>
        BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(new ShardMessage(jobId, shard), PipelineJsonContext.Default.ShardMessage));
}
