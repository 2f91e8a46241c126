using DiMaskDino.IntegrationTests.Azurite;
using DiMaskDino.Pipeline;
using DiMaskDino.Pipeline.Azure.Queues;
using DiMaskDino.Pipeline.Azure.Storage;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Storage;
using DiMaskDino.Pipeline.Tests.Fixtures;
using DiMaskDino.TestSupport;

namespace DiMaskDino.IntegrationTests.Pipeline;

/// <summary>
/// One pipeline deployment on the shared Azurite: fresh dataset, model and queue names, the tiny model uploaded to
/// <c>models/</c> and synthetic images to <c>images/{dataset}/</c>.
/// </summary>
internal sealed class AzuritePipeline : IDisposable
{
    private readonly TemporaryDirectory _temp = new("dimaskdino-azurite-pipeline-");

    private AzuritePipeline(AzuriteFixture azurite, string suffix)
    {
        Azurite = azurite;
        Suffix = suffix;
        Store = new AzureBlobStore(azurite.CreateBlobServiceClient());
    }

    public AzuriteFixture Azurite { get; }

    public string Suffix { get; }

    public AzureBlobStore Store { get; }

    public JobStore Jobs => new(Store);

    public string Dataset => $"ds-{Suffix}";

    public string ShardQueueName => $"shards-{Suffix}";

    public string FinalizeQueueName => $"finalize-{Suffix}";

    public ModelReference Model { get; private set; } = null!;

    public string TempFile(params string[] parts) => _temp.File(parts);

    public static async Task<AzuritePipeline> CreateAsync(AzuriteFixture azurite, TinyModel model, int images)
    {
        var pipeline = new AzuritePipeline(azurite, Guid.NewGuid().ToString("N")[..10]);
        await pipeline.Store.EnsureContainersAsync(Containers.All);
        var modelBlob = JobPaths.Model($"tiny-{pipeline.Suffix}.onnx");
        await pipeline.Store.WriteAsync(modelBlob, BinaryData.FromBytes(await File.ReadAllBytesAsync(model.Path)), WriteMode.CreateNew);
        var etag = (await pipeline.Store.GetPropertiesAsync(modelBlob))!.ETag;
        pipeline.Model = new ModelReference(ModelLocation.Blob, modelBlob.Name, etag);

        var folder = pipeline._temp.File("images");
        Directory.CreateDirectory(folder);
        var files = SyntheticImages.WriteMany(folder, images);
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (file, ct) =>
            await pipeline.Store.WriteAsync(
                JobPaths.Image($"{pipeline.Dataset}/{Path.GetFileName(file)}"), BinaryData.FromBytes(await File.ReadAllBytesAsync(file, ct)), WriteMode.Overwrite, ct));
        return pipeline;
    }

    public JobRequest Request(int shardSize, string? dataset = null) => new()
    {
        Dataset = dataset ?? Dataset,
        ImagesPrefix = $"{Dataset}/",
        Model = Model,
        ShardSize = shardSize,
        Thresholds = new LabelingThresholds { ScoreThreshold = 0, DetectionsPerImage = 3 },
    };

    public StorageQueueWorkQueue Queue(string name, int maxDeliveryCount, TimeSpan lockDuration) =>
        new(Azurite.CreateQueueServiceClient(), name, maxDeliveryCount, lockDuration, TimeSpan.FromMilliseconds(200));

    public PipelineOptions Options(int maxDeliveryCount) => new()
    {
        QueueKind = QueueKind.StorageQueue,
        ShardQueue = ShardQueueName,
        FinalizeQueue = FinalizeQueueName,
        MaxDeliveryCount = maxDeliveryCount,
    };

    /// <summary>Arguments of a <c>dimaskdino worker</c> process serving this deployment's shard queue.</summary>
    public string[] WorkerArguments(int maxDeliveryCount, int lockSeconds, int idleExitSeconds) =>
    [
        "worker", "--storage-connection-string", Azurite.ConnectionString, "--queue", ShardQueueName, "--finalize-queue", FinalizeQueueName,
        "--model-cache", _temp.File("model-cache"), "--idle-exit", $"{idleExitSeconds}", "--lock-duration", $"{lockSeconds}",
        "--max-delivery-count", $"{maxDeliveryCount}", "--batch-size", "4", "--cpu",
    ];

    public void Dispose() => _temp.Dispose();
}
