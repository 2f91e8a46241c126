using System.Globalization;
using System.Text.Json;
using DiMaskDino.Functions.Tests.Azurite;
using DiMaskDino.Functions.Triggers;
using DiMaskDino.IntegrationTests.Azurite;
using DiMaskDino.Pipeline.Checkpoints;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Storage;
using DiMaskDino.Pipeline.Tests.Fixtures;
using DiMaskDino.TestSupport;

namespace DiMaskDino.Functions.Tests.EndToEnd;

/// <summary>
/// The Azure hosts end to end on Azurite: the Functions classes (as the blob triggers would call them) and two
/// <c>DiMaskDino.Worker</c> processes on Storage queues, with a tiny random-weight model.
/// </summary>
[Collection(FunctionsCollection.Name)]
[Trait("Category", "Integration")]
public sealed class HostsEndToEndTests(AzuriteFixture azurite, TinyModel model)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Dropped_images_are_labeled_by_two_workers_and_a_new_checkpoint_gets_a_verdict()
    {
        using var folder = new TemporaryDirectory();
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var (dataset, evaluation) = ($"drop-{suffix}", $"eval-{suffix}");
        await using var plane = await ControlPlane.StartAsync(azurite, evaluationDataset: evaluation);
        var settings = new Dictionary<string, string>
        {
            ["Storage__ConnectionString"] = azurite.ConnectionString,
            ["Storage__QueueVisibilityTimeout"] = "00:00:30",
            ["Pipeline__QueueKind"] = "StorageQueue",
            ["Pipeline__ShardQueue"] = plane.ShardQueue,
            ["Pipeline__FinalizeQueue"] = plane.FinalizeQueue,
            ["Pipeline__MaxDeliveryCount"] = "2",
            ["Pipeline__ReceiveWait"] = "00:00:01",
            ["Pipeline__LockRenewInterval"] = "00:00:05",
            ["Inference__PreferredProvider"] = "Cpu",
            ["BatchPredictor__DecodeParallelism"] = "1",
            ["Worker__ModelCacheDirectory"] = folder.File("models"),
            ["Worker__ShutdownTimeout"] = "00:00:10",
        };
        await using var first = await WorkerProcess.StartReadyAsync(settings, Patience);
        await using var second = await WorkerProcess.StartReadyAsync(settings, Patience);

        // 1. images and _label.json dropped into images/{dataset}/ → annotations.json in labels/.
        var modelBytes = BinaryData.FromBytes(await File.ReadAllBytesAsync(model.Path));
        await plane.SharedModelAsync(model);
        var names = await UploadImagesAsync(plane, folder, dataset, count: 6);
        await plane.Blobs.WriteAsync(JobPaths.Image($"{dataset}/broken.png"), BinaryData.FromString("not a png"), WriteMode.Overwrite);
        var request = $$"""{"model":"{{ControlPlane.SharedModel}}","shard_size":2}""";
        await plane.Blobs.WriteAsync(JobPaths.Image($"{dataset}/_label.json"), BinaryData.FromString(request), WriteMode.Overwrite);
        await plane.Create<LabelRequestTrigger>().RunAsync(request, dataset, CancellationToken.None);

        var status = await plane.Blobs.ReadAsync(JobPaths.Image($"{dataset}/{LabelRequestTrigger.StatusFile}"));
        var jobId = JsonDocument.Parse(status!.Data.ToMemory()).RootElement.GetProperty("job_id").GetString()!;
        // job.json turns completed after the outputs are written: wait for that, then read them.
        await EventuallyAsync(async () => await plane.Jobs.ReadJobAsync(jobId) is { State: JobState.Completed } done ? done : null, first, second);
        var annotations = await plane.Blobs.ReadAsync(JobPaths.Output(dataset, jobId, JobPaths.AnnotationsFile));
        var failures = await plane.Blobs.ReadAsync(JobPaths.Output(dataset, jobId, JobPaths.FailuresFile));
        using var labeled = JsonDocument.Parse(annotations!.Data.ToMemory());
        using var failed = JsonDocument.Parse(failures!.Data.ToMemory());
        var labeledNames = labeled.RootElement.GetProperty("images").EnumerateArray().Select(i => i.GetProperty("file_name").GetString()!).ToList();
        var failedNames = failed.RootElement.EnumerateArray().Select(f => f.GetProperty("file_name").GetString()!).ToList();
        Assert.Equal(names.Order(StringComparer.Ordinal), labeledNames.Order(StringComparer.Ordinal));
        Assert.Equal(["broken.png"], failedNames);

        // 2. a new models/x.onnx → evaluation job on the evaluation dataset → report and comparison with a verdict in reports/.
        var evaluationNames = await UploadImagesAsync(plane, folder, evaluation, count: 4);
        await plane.Blobs.WriteAsync(JobPaths.GroundTruth($"{evaluation}/annotations.json"), GroundTruth(evaluationNames), WriteMode.Overwrite);
        var checkpoint = $"x-{suffix}";
        await plane.Blobs.WriteAsync(JobPaths.Model($"{checkpoint}.onnx"), modelBytes, WriteMode.Overwrite);
        var blob = azurite.CreateBlobServiceClient().GetBlobContainerClient(Containers.Models).GetBlobClient($"{checkpoint}.onnx");
        await plane.Create<CheckpointTrigger>().RunAsync(blob, checkpoint, CancellationToken.None);

        var version = (await plane.Blobs.GetPropertiesAsync(JobPaths.Model($"{checkpoint}.onnx")))!.ETag;
        var evaluationJob = CheckpointEvaluator.JobIdFor(evaluation, new Pipeline.Jobs.ModelReference(ModelLocation.Blob, $"{checkpoint}.onnx", version));
        var comparison = await EventuallyAsync(() => plane.Blobs.ReadAsync(CheckpointPaths.Comparison(evaluationJob)), first, second);
        using var verdict = JsonDocument.Parse(comparison.Data.ToMemory());
        Assert.Equal("better", verdict.RootElement.GetProperty("verdict").GetString()); // the first model on this dataset
        Assert.Equal(12, verdict.RootElement.GetProperty("bbox").GetArrayLength());
        Assert.NotNull(await plane.Blobs.GetPropertiesAsync(CheckpointPaths.Report(evaluationJob)));
        Assert.NotNull(await plane.Blobs.GetPropertiesAsync(CheckpointPaths.ComparisonReport(evaluationJob)));
        // The best pointer moves right after the comparison is written.
        var best = await EventuallyAsync(() => plane.Create<CheckpointEvaluator>().ReadBestAsync(evaluation), first, second);
        Assert.Equal(evaluationJob, best.JobId);

        // 3. SIGTERM: both workers stop cleanly.
        Assert.Equal(0, await first.TerminateAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(0, await second.TerminateAsync(TimeSpan.FromSeconds(20)));
    }

    private static async Task<List<string>> UploadImagesAsync(ControlPlane plane, TemporaryDirectory folder, string prefix, int count)
    {
        var names = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var name = $"img-{i:D3}.png";
            var file = SyntheticImages.Write(folder.Path, $"{prefix}/{name}", i);
            await plane.Blobs.WriteAsync(JobPaths.Image($"{prefix}/{name}"), BinaryData.FromBytes(await File.ReadAllBytesAsync(file)), WriteMode.Overwrite);
            names.Add(name);
        }

        return names;
    }

    /// <summary>COCO ground truth of <see cref="SyntheticImages"/>: the rectangle each image holds, as a polygon (48×40 images).</summary>
    private static BinaryData GroundTruth(IReadOnlyList<string> names)
    {
        var images = names.Select((name, i) => new { id = i + 1, width = 48, height = 40, file_name = name });
        var annotations = names.Select((_, i) =>
        {
            var (x, y) = (i * 7 % 24, i * 5 % 20);
            return new
            {
                id = i + 1,
                image_id = i + 1,
                category_id = TinyModel.Categories[i % TinyModel.Categories.Count].Id,
                segmentation = new[] { new double[] { x, y, x + 24, y, x + 24, y + 20, x, y + 20 } },
                area = 480.0,
                bbox = new double[] { x, y, 24, 20 },
                iscrowd = 0,
            };
        });
        var categories = TinyModel.Categories.Select(c => new { id = c.Id, name = c.Name });
        return BinaryData.FromString(JsonSerializer.Serialize(new { images, annotations, categories }));
    }

    private static async Task<T> EventuallyAsync<T>(Func<Task<T?>> read, WorkerProcess first, WorkerProcess second)
        where T : class
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            if (await read() is { } content)
            {
                return content;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException(string.Create(CultureInfo.InvariantCulture,
            $"nothing after {Patience}.\n--- worker 1 ---\n{first.Output}\n--- worker 2 ---\n{second.Output}"));
    }
}
