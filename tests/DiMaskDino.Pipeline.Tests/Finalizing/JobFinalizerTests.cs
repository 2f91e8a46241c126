using DiMaskDino.Pipeline.Finalizing;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Planning;
using DiMaskDino.Pipeline.Queues;
using DiMaskDino.Pipeline.Tests.Fixtures;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiMaskDino.Pipeline.Tests.Finalizing;

[Collection(PipelineCollection.Name)]
public sealed class JobFinalizerTests(TinyModel model)
{
    [Fact]
    public async Task Finalizing_refuses_while_shards_have_no_result_and_names_them_then_shard_failures_account_for_every_image()
    {
        using var harness = new EmbeddedHarness(model);
        SyntheticImages.WriteMany(harness.Input, 7);
        var submission = await new JobSubmitter(harness.Jobs, new InProcessWorkQueue("shards", 5), harness.Options, TimeProvider.System, NullLogger<JobSubmitter>.Instance)
            .SubmitAsync(harness.Request(shardSize: 3));
        var jobId = submission.Job.JobId;
        var finalizer = new JobFinalizer(harness.Jobs, new EvaluationRunner(harness.Store, NullLogger<EvaluationRunner>.Instance), NullLogger<JobFinalizer>.Instance);

        Assert.Equal(3, submission.MessagesSent);
        var refused = await Assert.ThrowsAsync<JobIncompleteException>(() => finalizer.FinalizeAsync(jobId));
        Assert.Equal([0, 1, 2], refused.MissingShards);
        Assert.Contains("shards 0, 1, 2 have no result", refused.Message, StringComparison.Ordinal);

        Assert.True(await finalizer.FailShardAsync(jobId, 0, "test: storage on fire"));
        Assert.True(await finalizer.FailShardAsync(jobId, 1, "test: storage on fire"));
        Assert.False(await finalizer.FailShardAsync(jobId, 1, "a second janitor")); // first writer wins
        refused = await Assert.ThrowsAsync<JobIncompleteException>(() => finalizer.FinalizeAsync(jobId));
        Assert.Equal([2], refused.MissingShards);
        Assert.Equal(JobState.Running, (await harness.Jobs.RequireJobAsync(jobId)).State);

        Assert.True(await finalizer.FailShardAsync(jobId, 2, "test: storage on fire"));
        var summary = await finalizer.FinalizeAsync(jobId);
        var again = await finalizer.FinalizeAsync(jobId);

        Assert.Equal((7L, 0L, 7L, 3), (summary.ImagesTotal, summary.ImagesLabeled, summary.ImagesFailed, summary.ShardsFailed));
        Assert.Equal(summary, again);
        Assert.Equal(JobState.Completed, (await harness.Jobs.RequireJobAsync(jobId)).State);
        var failures = System.Text.Encoding.UTF8.GetString(await harness.OutputAsync(jobId, JobPaths.FailuresFile));
        Assert.Equal(7, failures.Split("test: storage on fire").Length - 1);
    }
}
