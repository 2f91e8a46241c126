using DiMaskDino.Functions.Janitor;
using DiMaskDino.Functions.Jobs;
using DiMaskDino.IntegrationTests.Azurite;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Storage;
using DiMaskDino.Pipeline.Tests.Fixtures;

namespace DiMaskDino.Functions.Tests.Azurite;

[Collection(FunctionsCollection.Name)]
[Trait("Category", "Integration")]
public sealed class JanitorTests(AzuriteFixture azurite, TinyModel model)
{
    [Fact]
    public async Task Dead_lettered_shard_becomes_failed_images_and_the_job_is_sent_to_finalizing()
    {
        await using var plane = await ControlPlane.StartAsync(azurite);
        var jobId = await SubmitAsync(plane, images: 2);

        // The shard fails on every delivery until the queue dead-letters it (MaxDeliveryCount 2).
        var first = Assert.Single(await plane.Queues.Shards.ReceiveAsync(1, TimeSpan.FromSeconds(2)));
        await first.AbandonAsync();
        var second = Assert.Single(await plane.Queues.Shards.ReceiveAsync(1, TimeSpan.FromSeconds(2)));
        await second.DeadLetterAsync("InvalidDataException: the model cannot be loaded");

        await plane.Create<JanitorFunction>().RunAsync(new Microsoft.Azure.Functions.Worker.TimerInfo(), CancellationToken.None);

        var result = await plane.Jobs.ReadResultAsync(jobId, 0);
        Assert.Equal(2, result!.Images.Count);
        Assert.All(result.Images, i => Assert.Equal(FailureKind.Shard, i.Failure!.Kind));
        Assert.Contains("the model cannot be loaded", result.Images[0].Failure!.Reason, StringComparison.Ordinal);
        var finalize = Assert.Single(await plane.Queues.Finalize.ReceiveAsync(8, TimeSpan.FromSeconds(2)));
        Assert.Equal($"{jobId}:finalize", finalize.Id);

        // Sweeping again changes nothing.
        Assert.Equal(0, (await RunAsync(plane)).ShardsFailed);
    }

    [Fact]
    public async Task Job_stuck_past_its_deadline_is_marked_failed_with_the_missing_shards()
    {
        await using var plane = await ControlPlane.StartAsync(azurite, settings: ("Janitor:JobDeadline", "00:01:00"));
        var jobId = await SubmitAsync(plane, images: 3);
        var job = (await plane.Jobs.ReadJobAsync(jobId))!;
        await plane.Jobs.WriteJobAsync(job with { CreatedAt = DateTimeOffset.UtcNow.AddHours(-1) }); // planned an hour ago

        var report = await RunAsync(plane);

        Assert.True(report.JobsFailed >= 1);
        var failed = (await plane.Jobs.ReadJobAsync(jobId))!;
        Assert.Equal(JobState.Failed, failed.State);
        Assert.Equal("did not finish within 00:01:00: 2 of 2 shards have no result (shards 0, 1)", failed.Error);
    }

    [Fact]
    public async Task Complete_but_unfinalized_job_gets_its_finalize_message_again()
    {
        await using var plane = await ControlPlane.StartAsync(azurite, settings: ("Janitor:FinalizeGrace", "00:00:00"));
        var jobId = await SubmitAsync(plane, images: 1);
        var finalizer = plane.Create<Pipeline.Finalizing.JobFinalizer>();
        await finalizer.FailShardAsync(jobId, 0, "test: shard recorded by hand"); // a result exists, but no finalize was sent

        var report = await RunAsync(plane);

        Assert.True(report.FinalizesResent >= 1);
        Assert.Contains(await plane.Queues.Finalize.ReceiveAsync(32, TimeSpan.FromSeconds(2)), m => m.Id == $"{jobId}:finalize");
    }

    [Fact]
    public async Task A_dead_letter_that_is_no_shard_message_is_reported_not_ignored()
    {
        await using var plane = await ControlPlane.StartAsync(azurite);
        await plane.Queues.Shards.SendAsync([new Pipeline.Queues.WorkMessage("garbage", BinaryData.FromString("not json"))]);
        var received = Assert.Single(await plane.Queues.Shards.ReceiveAsync(1, TimeSpan.FromSeconds(2)));
        await received.DeadLetterAsync("MessageNotParsable: shard message: not a valid ShardMessage");

        var report = await RunAsync(plane);

        Assert.True(report.UnreadableDeadLetters >= 1, $"reported {report.UnreadableDeadLetters} unreadable dead letters");
    }

    private static Task<JanitorReport> RunAsync(ControlPlane plane) => plane.Create<JobJanitor>().RunAsync();

    private async Task<string> SubmitAsync(ControlPlane plane, int images)
    {
        var dataset = $"jan-{Guid.NewGuid():N}"[..16];
        await plane.UploadImagesAsync($"{dataset}/", images);
        await plane.SharedModelAsync(model);
        var result = await plane.Create<SubmitJobFunction>().RunAsync(
            ControlPlane.Request($$"""{"dataset":"{{dataset}}","model":"tiny-shared.onnx","shard_size":2}"""), CancellationToken.None);
        return JobsApiTests.Status(result, 202).JobId;
    }
}
