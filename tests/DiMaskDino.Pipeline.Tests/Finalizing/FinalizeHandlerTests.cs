using System.Text.Json;
using System.Text.Json.Nodes;
using DiMaskDino.Pipeline.Checkpoints;
using DiMaskDino.Pipeline.Finalizing;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Planning;
using DiMaskDino.Pipeline.Processing;
using DiMaskDino.Pipeline.Queues;
using DiMaskDino.Pipeline.Storage;
using DiMaskDino.Pipeline.Tests.Fixtures;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiMaskDino.Pipeline.Tests.Finalizing;

/// <summary>
/// <see cref="FinalizeHandler"/>, the one finalize path of every finalize consumer: a finalize message of a checkpoint
/// evaluation job finalizes it and writes the comparison (the step the retired CLI worker skipped). Real model, local store.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class FinalizeHandlerTests(TinyModel model)
{
    [Fact]
    public async Task A_finalize_message_of_a_checkpoint_evaluation_finalizes_the_job_and_writes_its_comparison()
    {
        using var harness = new EmbeddedHarness(model);
        var job = await PlanEvaluationAsync(harness);
        var (handler, _) = Handler(harness);

        await handler.HandleAsync(FinalizeBody(job.JobId), CancellationToken.None);

        Assert.Equal(JobState.Completed, (await harness.Jobs.RequireJobAsync(job.JobId)).State);
        var comparison = JsonNode.Parse((await harness.Store.ReadAsync(CheckpointPaths.Comparison(job.JobId)))!.Data.ToString())!;
        Assert.Equal(job.JobId, comparison["job_id"]!.GetValue<string>());
        Assert.NotNull(await harness.Store.GetPropertiesAsync(CheckpointPaths.Best("synthetic"))); // the first evaluation on the dataset becomes the best
    }

    [Fact]
    public async Task A_finalize_message_of_a_cancelled_job_is_accepted_without_work()
    {
        using var harness = new EmbeddedHarness(model);
        var job = await PlanEvaluationAsync(harness);
        var (handler, submitter) = Handler(harness);
        await submitter.CancelAsync(job.JobId);

        await handler.HandleAsync(FinalizeBody(job.JobId), CancellationToken.None);

        Assert.Equal(JobState.Cancelled, (await harness.Jobs.RequireJobAsync(job.JobId)).State);
        Assert.Null(await harness.Store.GetPropertiesAsync(JobPaths.Output("synthetic", job.JobId, JobPaths.SummaryFile)));
    }

    [Fact]
    public async Task A_finalize_message_that_is_not_json_is_a_poison_message()
    {
        using var harness = new EmbeddedHarness(model);
        var (handler, _) = Handler(harness);

        var error = await Assert.ThrowsAsync<PoisonMessageException>(() => handler.HandleAsync(BinaryData.FromString("not json"), CancellationToken.None));

        Assert.StartsWith("MessageNotParsable: finalize message:", error.Message, StringComparison.Ordinal);
    }

    /// <summary>An evaluation job on 4 images whose ground truth is their own labels, with every shard labeled and not finalized.</summary>
    private static async Task<JobRecord> PlanEvaluationAsync(EmbeddedHarness harness)
    {
        SyntheticImages.WriteMany(harness.Input, 4);
        var labeled = await harness.RunAsync(harness.Request(shardSize: 2));
        var truth = JsonNode.Parse(await harness.OutputAsync(labeled.Job.JobId, JobPaths.AnnotationsFile))!.AsObject();
        foreach (var annotation in truth["annotations"]!.AsArray())
        {
            annotation!.AsObject().Remove("score");
        }

        await harness.Work.WriteAsync(new BlobPath(Containers.Datasets, "synthetic/annotations.json"), BinaryData.FromString(truth.ToJsonString()), WriteMode.Overwrite);
        var request = harness.Request(shardSize: 2, groundTruth: "synthetic/annotations.json") with { Dataset = "synthetic", JobId = "eval-synthetic-1", Incremental = false };
        var evaluation = new CheckpointEvaluation(request.JobId, request.Model, "synthetic", ToleranceAp: 0.5);
        await harness.Work.WriteAsync(
            CheckpointPaths.Evaluation(request.JobId), BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(evaluation, CheckpointJson.Default.CheckpointEvaluation)), WriteMode.CreateNew);

        var shards = new InProcessWorkQueue("shards", maxDeliveryCount: 5);
        var planned = await new JobSubmitter(harness.Jobs, shards, harness.Options, TimeProvider.System, NullLogger<JobSubmitter>.Instance).SubmitAsync(request);
        var processor = new ShardProcessor(harness.Jobs, harness.Models, new FinalizeTrigger(harness.Jobs, finalizeQueue: null), harness.Options, NullLogger<ShardProcessor>.Instance);
        foreach (var message in await shards.ReceiveAsync(planned.Job.ShardCount, TimeSpan.Zero))
        {
            await processor.ProcessAsync(message.Body, CancellationToken.None);
        }

        return planned.Job;
    }

    private static (FinalizeHandler Handler, JobSubmitter Submitter) Handler(EmbeddedHarness harness)
    {
        var jobs = harness.Jobs;
        var submitter = new JobSubmitter(jobs, new InProcessWorkQueue("shards", maxDeliveryCount: 5), harness.Options, TimeProvider.System, NullLogger<JobSubmitter>.Instance);
        var trigger = new FinalizeTrigger(jobs, finalizeQueue: null);
        var finalizer = new JobFinalizer(jobs, new EvaluationRunner(harness.Store, NullLogger<EvaluationRunner>.Instance), NullLogger<JobFinalizer>.Instance);
        var checkpoints = new CheckpointEvaluator(jobs, submitter, trigger, new EvaluationOptions(), NullLogger<CheckpointEvaluator>.Instance);
        return (new FinalizeHandler(jobs, finalizer, checkpoints, NullLogger<FinalizeHandler>.Instance), submitter);
    }

    private static BinaryData FinalizeBody(string jobId) =>
        BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(new FinalizeMessage(jobId), PipelineJsonContext.Default.FinalizeMessage));
}
