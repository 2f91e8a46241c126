using DiMaskDino.Contracts.Labels;
using DiMaskDino.Inference.PostProcessing;
using DiMaskDino.Inference.Batching;
using DiMaskDino.Inference.Runtime;
using DiMaskDino.Pipeline.Embedded;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Processing;
using DiMaskDino.Pipeline.Storage;
using DiMaskDino.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiMaskDino.Pipeline.Tests.Fixtures;

/// <summary>
/// The embedded pipeline wired as <c>dimaskdino label</c> wires it: an input folder as the <c>images</c> container,
/// a local folder store for the rest, the tiny model by file. Outputs are read back from the store.
/// </summary>
public sealed class EmbeddedHarness : IDisposable
{
    private readonly TemporaryDirectory _temp = new("dimaskdino-pipeline-");

    public EmbeddedHarness(TinyModel model, PipelineOptions? options = null)
    {
        Input = _temp.File("input");
        Directory.CreateDirectory(Input);
        Work = new LocalFolderBlobStore(_temp.File("work"));
        Store = new ContainerRoutedBlobStore(Work, new Dictionary<string, IBlobStore> { [Containers.Images] = new InputFolderStore(Input) });
        Options = options ?? new PipelineOptions { LockRenewInterval = TimeSpan.FromSeconds(2) };
        Models = new ModelCache(
            Store,
            new ModelCacheOptions
            {
                CacheDirectory = _temp.File("model-cache"),
                Inference = new InferenceOptions { PreferredProvider = ExecutionProvider.Cpu, IntraOpThreads = 1 },
                Batching = new BatchPredictorOptions { BatchSize = 4, DecodeParallelism = 2 },
            },
            NullLoggerFactory.Instance);
        ModelPath = model.Path;
    }

    public string Input { get; }

    public LocalFolderBlobStore Work { get; }

    public IBlobStore Store { get; }

    public JobStore Jobs => new(Store);

    public PipelineOptions Options { get; }

    public ModelCache Models { get; }

    public string ModelPath { get; }

    public string TempFile(params string[] parts) => _temp.File(parts);

    /// <summary>
    /// The request the label command would make in the official mode (score threshold 0 and 3 instances per image, so a
    /// random model still labels, and counts stay predictable).
    /// </summary>
    public JobRequest Request(int shardSize = 4, string? groundTruth = null) => new()
    {
        Dataset = "local",
        ImagesPrefix = "",
        Model = new ModelReference(ModelLocation.File, ModelPath, "test-version-1"),
        ShardSize = shardSize,
        Thresholds = new LabelingThresholds { ScoreThreshold = 0, DetectionsPerImage = 3, PostProcess = PostProcessMode.Official },
        GroundTruth = groundTruth,
    };

    public EmbeddedJobRunner Runner() => new(Store, Models, Options, NullLoggerFactory.Instance);

    public Task<EmbeddedRunResult> RunAsync(JobRequest request, int workers = 2, IPipelineObserver? observer = null, CancellationToken cancellationToken = default) =>
        Runner().RunAsync(request, workers, observer, cancellationToken);

    public async Task<byte[]> OutputAsync(string jobId, string file) =>
        (await Store.ReadAsync(JobPaths.Output("local", jobId, file)))?.Data.ToArray()
        ?? throw new FileNotFoundException($"no {file} for job {jobId}");

    public void Dispose()
    {
        Models.Dispose();
        _temp.Dispose();
    }
}
