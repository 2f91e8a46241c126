using System.Globalization;
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
/// One pipeline deployment on an Azurite account: fresh dataset, model and queue names, the tiny model uploaded to
/// <c>models/</c> and synthetic images to <c>images/{dataset}/</c>; the settings of <c>DiMaskDino.Worker</c> processes
/// serving it, and the wait for a job to complete.
/// </summary>
internal sealed class AzuritePipeline : IDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    private readonly TemporaryDirectory _temp = new("dimaskdino-azurite-pipeline-");

    private AzuritePipeline(AzuriteAccount account, string suffix)
    {
        Account = account;
        Suffix = suffix;
        Store = new AzureBlobStore(account.CreateBlobServiceClient());
    }

    public AzuriteAccount Account { get; }

    public string Suffix { get; }

    public AzureBlobStore Store { get; }

    public JobStore Jobs => new(Store);

    public string Dataset => $"ds-{Suffix}";

    public string ShardQueueName => $"shards-{Suffix}";

    public string FinalizeQueueName => $"finalize-{Suffix}";

    public ModelReference Model { get; private set; } = null!;

    /// <summary>The uploaded images' names under <see cref="Dataset"/>, in order.</summary>
    public IReadOnlyList<string> ImageNames { get; private set; } = [];

    public string TempFile(params string[] parts) => _temp.File(parts);

    public static Task<AzuritePipeline> CreateAsync(AzuriteFixture azurite, TinyModel model, int images) => CreateAsync(azurite.Account, model, images);

    /// <param name="imageSize">width and height of the synthetic images (null: the fixture's 48×40)</param>
    public static async Task<AzuritePipeline> CreateAsync(AzuriteAccount account, TinyModel model, int images, int? imageSize = null)
    {
        var pipeline = new AzuritePipeline(account, Guid.NewGuid().ToString("N")[..10]);
        await pipeline.Store.EnsureContainersAsync(Containers.All);
        var modelBlob = JobPaths.Model($"tiny-{pipeline.Suffix}.onnx");
        await pipeline.Store.WriteAsync(modelBlob, BinaryData.FromBytes(await File.ReadAllBytesAsync(model.Path)), WriteMode.CreateNew);
        var etag = (await pipeline.Store.GetPropertiesAsync(modelBlob))!.ETag;
        pipeline.Model = new ModelReference(ModelLocation.Blob, modelBlob.Name, etag);

        var folder = pipeline._temp.File("images");
        Directory.CreateDirectory(folder);
        var files = imageSize is { } size
            ? [.. Enumerable.Range(0, images).Select(i => SyntheticImages.Write(folder, $"img-{i:D4}.png", i, size, size))]
            : SyntheticImages.WriteMany(folder, images);
        pipeline.ImageNames = [.. files.Select(Path.GetFileName)!];
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
        new(Account.CreateQueueServiceClient(), name, maxDeliveryCount, lockDuration, TimeSpan.FromMilliseconds(200));

    public PipelineOptions Options(int maxDeliveryCount) => new()
    {
        QueueKind = QueueKind.StorageQueue,
        ShardQueue = ShardQueueName,
        FinalizeQueue = FinalizeQueueName,
        MaxDeliveryCount = maxDeliveryCount,
    };

    /// <summary>
    /// The settings of a <c>DiMaskDino.Worker</c> serving this deployment's queues on the CPU: a message's lock (its
    /// visibility timeout) of <paramref name="lockDuration"/>, renewed every third of it; one-line log entries on the console.
    /// </summary>
    public IReadOnlyDictionary<string, string> WorkerSettings(int maxDeliveryCount, TimeSpan lockDuration) => new Dictionary<string, string>
    {
        ["Storage__ConnectionString"] = Account.ConnectionString,
        ["Storage__QueueVisibilityTimeout"] = Duration(lockDuration),
        ["Pipeline__QueueKind"] = nameof(QueueKind.StorageQueue),
        ["Pipeline__ShardQueue"] = ShardQueueName,
        ["Pipeline__FinalizeQueue"] = FinalizeQueueName,
        ["Pipeline__MaxDeliveryCount"] = maxDeliveryCount.ToString(CultureInfo.InvariantCulture),
        ["Pipeline__LockRenewInterval"] = Duration(lockDuration / 3),
        ["Pipeline__ReceiveWait"] = "00:00:01",
        ["Inference__PreferredProvider"] = "Cpu",
        ["BatchPredictor__BatchSize"] = "4",
        ["Worker__ModelCacheDirectory"] = _temp.File("model-cache"),
        ["Worker__HealthPort"] = "0",
        ["Worker__RetryDelay"] = "00:00:01",
        ["Logging__Console__FormatterOptions__SingleLine"] = "true",
        // Several workers share two cores with the test: workstation GC keeps each one small.
        ["DOTNET_gcServer"] = "0",
    };

    /// <summary>Waits until job <paramref name="jobId"/> is completed (the workers finalized it) and returns its summary.</summary>
    /// <param name="log">what to show when it does not complete in time (the workers' logs)</param>
    public async Task<JobSummary> WaitForCompletionAsync(string jobId, TimeSpan timeout, Func<string> log)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var job = await Jobs.RequireJobAsync(jobId);
            if (job.State == JobState.Completed)
            {
                var summary = await Store.ReadAsync(JobPaths.Output(job.Request.Dataset, jobId, JobPaths.SummaryFile))
                    ?? throw new InvalidOperationException($"job {jobId} is completed without a {JobPaths.SummaryFile}");
                return JobStore.Deserialize(summary.Data, PipelineJsonContext.Default.JobSummary, JobPaths.SummaryFile);
            }

            if (job.State is JobState.Failed or JobState.Cancelled || DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"job {jobId} is {job.State} ({job.Error}) after waiting up to {timeout} for it to complete; worker logs:\n{log()}");
            }

            await Task.Delay(PollInterval);
        }
    }

    /// <summary>The bytes of job <paramref name="jobId"/>'s <c>annotations.json</c>.</summary>
    public async Task<byte[]> AnnotationsAsync(string dataset, string jobId) =>
        (await Store.ReadAsync(JobPaths.Output(dataset, jobId, JobPaths.AnnotationsFile)))!.Data.ToArray();

    public void Dispose() => _temp.Dispose();

    private static string Duration(TimeSpan value) => value.ToString("c", CultureInfo.InvariantCulture);
}
