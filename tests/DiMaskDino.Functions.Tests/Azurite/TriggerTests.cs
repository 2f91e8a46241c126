using System.Text.Json;
using DiMaskDino.Functions.Triggers;
using DiMaskDino.IntegrationTests.Azurite;
using DiMaskDino.Pipeline.Checkpoints;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Storage;
using DiMaskDino.Pipeline.Tests.Fixtures;

namespace DiMaskDino.Functions.Tests.Azurite;

[Collection(FunctionsCollection.Name)]
[Trait("Category", "Integration")]
public sealed class TriggerTests(AzuriteFixture azurite, TinyModel model)
{
    [Fact]
    public async Task Label_request_blob_starts_a_job_for_its_folder_and_says_so_next_to_it()
    {
        await using var plane = await ControlPlane.StartAsync(azurite);
        var dataset = $"drop-{Guid.NewGuid():N}"[..16];
        await plane.UploadImagesAsync($"{dataset}/", 3);
        await plane.SharedModelAsync(model);
        const string request = """{"model":"tiny-shared.onnx","shard_size":2}""";
        await plane.Blobs.WriteAsync(JobPaths.Image($"{dataset}/_label.json"), BinaryData.FromString(request), WriteMode.Overwrite);

        await plane.Create<LabelRequestTrigger>().RunAsync(request, dataset, CancellationToken.None);

        var status = await StatusAsync(plane, dataset);
        Assert.Equal("planned", status.GetProperty("submission").GetString());
        var job = await plane.Jobs.ReadJobAsync(status.GetProperty("job_id").GetString()!);
        Assert.Equal(dataset, job!.Request.Dataset);
        Assert.Equal($"{dataset}/", job.Request.ImagesPrefix);
        Assert.Equal(3, job.ImagesTotal); // _label.json and its status are not images
        Assert.Equal(2, job.ShardCount);
        Assert.Equal(2, (await plane.Queues.Shards.ReceiveAsync(32, TimeSpan.FromSeconds(2))).Count);
    }

    [Fact]
    public async Task Invalid_label_request_is_answered_by_field_in_the_status_blob()
    {
        await using var plane = await ControlPlane.StartAsync(azurite);
        var dataset = $"bad-{Guid.NewGuid():N}"[..16];
        await plane.UploadImagesAsync($"{dataset}/", 1);

        await plane.Create<LabelRequestTrigger>().RunAsync("""{"model":"nope.onnx","thresholds":{"detections_per_image":0}}""", dataset, CancellationToken.None);

        var status = await StatusAsync(plane, dataset);
        Assert.False(status.TryGetProperty("job_id", out _));
        var errors = status.GetProperty("errors");
        Assert.Equal(["model", "thresholds.detections_per_image"], errors.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal("models/nope.onnx does not exist", errors.GetProperty("model")[0].GetString());
    }

    [Fact]
    public async Task New_checkpoint_becomes_one_evaluation_job_per_model_version()
    {
        var dataset = $"ev-{Guid.NewGuid():N}"[..14];
        await using var plane = await ControlPlane.StartAsync(azurite, evaluationDataset: dataset);
        await plane.UploadImagesAsync($"{dataset}/", 3);
        await plane.Blobs.WriteAsync(JobPaths.GroundTruth($"{dataset}/annotations.json"), BinaryData.FromString("""{"images":[],"annotations":[],"categories":[]}"""), WriteMode.Overwrite);
        var name = $"ckpt-{Guid.NewGuid():N}"[..13];
        await plane.UploadModelAsync($"{name}.onnx", model);
        var blob = azurite.CreateBlobServiceClient().GetBlobContainerClient(Containers.Models).GetBlobClient($"{name}.onnx");
        var trigger = plane.Create<CheckpointTrigger>();

        await trigger.RunAsync(blob, name, CancellationToken.None);
        var version1 = (await plane.Blobs.GetPropertiesAsync(JobPaths.Model($"{name}.onnx")))!.ETag;
        var jobId = CheckpointEvaluator.JobIdFor(dataset, new ModelReference(ModelLocation.Blob, $"{name}.onnx", version1));
        var job = await plane.Jobs.ReadJobAsync(jobId);
        Assert.Equal(JobState.Running, job!.State);
        Assert.Equal($"{dataset}/annotations.json", job.Request.GroundTruth);
        Assert.Equal($"{dataset}/", job.Request.ImagesPrefix);
        Assert.Equal(0.05, job.Request.Thresholds.ScoreThreshold);
        Assert.NotNull(await plane.Blobs.GetPropertiesAsync(CheckpointPaths.Evaluation(jobId)));
        Assert.Single(await plane.Queues.Shards.ReceiveAsync(32, TimeSpan.FromSeconds(2)));

        // The same notification again (Event Grid delivers at least once): same job, nothing sent again.
        await trigger.RunAsync(blob, name, CancellationToken.None);
        Assert.Empty(await plane.Queues.Shards.ReceiveAsync(32, TimeSpan.FromSeconds(1)));

        // A new version of the model is a new evaluation.
        await plane.UploadModelAsync($"{name}.onnx", model); // same bytes, new upload: a new ETag
        await trigger.RunAsync(blob, name, CancellationToken.None);
        var version2 = (await plane.Blobs.GetPropertiesAsync(JobPaths.Model($"{name}.onnx")))!.ETag;
        Assert.NotEqual(jobId, CheckpointEvaluator.JobIdFor(dataset, new ModelReference(ModelLocation.Blob, $"{name}.onnx", version2)));
        Assert.NotNull(await plane.Jobs.ReadJobAsync(CheckpointEvaluator.JobIdFor(dataset, new ModelReference(ModelLocation.Blob, $"{name}.onnx", version2))));
    }

    [Fact]
    public async Task Checkpoint_without_the_evaluation_ground_truth_fails_naming_it()
    {
        var dataset = $"ev-{Guid.NewGuid():N}"[..14];
        await using var plane = await ControlPlane.StartAsync(azurite, evaluationDataset: dataset);
        await plane.SharedModelAsync(model);
        var blob = azurite.CreateBlobServiceClient().GetBlobContainerClient(Containers.Models).GetBlobClient(ControlPlane.SharedModel);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => plane.Create<CheckpointTrigger>().RunAsync(blob, "tiny-shared", CancellationToken.None));

        Assert.Equal($"evaluation dataset \"{dataset}\": ground truth datasets/{dataset}/annotations.json does not exist", error.Message);
    }

    [Fact]
    public async Task Onnx_file_that_is_not_a_DiMaskDino_model_is_refused_before_any_job()
    {
        var dataset = $"ev-{Guid.NewGuid():N}"[..14];
        await using var plane = await ControlPlane.StartAsync(azurite, evaluationDataset: dataset);
        await plane.Blobs.WriteAsync(JobPaths.Model("not-a-model.onnx"), BinaryData.FromString("version 1"), WriteMode.Overwrite);
        var blob = azurite.CreateBlobServiceClient().GetBlobContainerClient(Containers.Models).GetBlobClient("not-a-model.onnx");

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => plane.Create<CheckpointTrigger>().RunAsync(blob, "not-a-model", CancellationToken.None));

        Assert.StartsWith("models/not-a-model.onnx is not an ONNX model", error.Message, StringComparison.Ordinal);
        Assert.Empty(await plane.Queues.Shards.ReceiveAsync(32, TimeSpan.FromSeconds(1)));
    }

    private static async Task<JsonElement> StatusAsync(ControlPlane plane, string dataset)
    {
        var content = await plane.Blobs.ReadAsync(JobPaths.Image($"{dataset}/{LabelRequestTrigger.StatusFile}"));
        Assert.NotNull(content);
        return JsonDocument.Parse(content.Data.ToMemory()).RootElement.Clone();
    }
}
