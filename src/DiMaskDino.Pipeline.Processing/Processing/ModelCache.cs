using System.Security.Cryptography;
using System.Text;
using DiMaskDino.Inference.Batching;
using DiMaskDino.Inference.PostProcessing;
using DiMaskDino.Inference.Runtime;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Storage;
using Microsoft.Extensions.Logging;

namespace DiMaskDino.Pipeline.Processing;

/// <summary>
/// One <see cref="ModelSession"/> per model version per process, and one <see cref="BatchPredictor"/> per (model,
/// thresholds) on top of it. Sessions come from the inference engine's <see cref="ModelSessionCache"/> (keyed by model
/// URI + version: <c>file:</c> URI and SHA-256 for a local file, <c>blob:models/{name}</c> and ETag for a blob); this class
/// holds one lease per <see cref="ModelReference"/> until it is disposed, so every version a job asked for stays loaded.
/// A blob model (<c>models/{name}</c>) is downloaded once into <see cref="ModelCacheOptions.CacheDirectory"/> under a
/// name derived from blob name + ETag (temp file, then rename), and refused if its ETag is no longer the version the
/// job was submitted with. Thread-safe.
/// </summary>
/// <remarks>
/// Pass the process's <see cref="ModelSessionCache"/> singleton to share sessions with other users of it (its
/// <see cref="InferenceOptions"/> then apply); without one, this class creates its own from
/// <see cref="ModelCacheOptions.Inference"/> and disposes it.
/// </remarks>
public sealed partial class ModelCache(IBlobStore store, ModelCacheOptions options, ILoggerFactory loggers, ModelSessionCache? sessions = null) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ModelSessionCache _sessionCache = sessions ?? new ModelSessionCache(options.Inference, loggers);
    private readonly bool _ownsSessionCache = sessions is null;
    private readonly Dictionary<ModelReference, ModelSessionLease> _sessions = [];
    private readonly Dictionary<(ModelReference, LabelingThresholds), BatchPredictor> _predictors = [];
    private readonly ILogger _logger = loggers.CreateLogger<ModelCache>();

    /// <summary>Sessions opened so far (a test hook for "loaded once per process").</summary>
    public int SessionsOpened { get; private set; }

    public async Task<BatchPredictor> GetAsync(ModelReference model, LabelingThresholds thresholds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(thresholds);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_predictors.TryGetValue((model, thresholds), out var predictor))
            {
                return predictor;
            }

            if (!_sessions.TryGetValue(model, out var lease))
            {
                // The session cache needs a non-empty version; an unversioned reference is one version of its own.
                var version = model.Version.Length == 0 ? "unversioned" : model.Version;
                lease = await _sessionCache.GetOrCreateAsync(SessionKey(model), version, ct => LocalFileAsync(model, ct), cancellationToken);
                _sessions.Add(model, lease);
                SessionsOpened++;
            }

            var session = lease.Session;

            var batching = new BatchPredictorOptions
            {
                BatchSize = options.Batching.BatchSize,
                DecodeParallelism = options.Batching.DecodeParallelism,
                MaxPixels = options.Batching.MaxPixels,
                ResizeShortEdge = options.Batching.ResizeShortEdge,
                ResizeMaxSize = options.Batching.ResizeMaxSize,
                PostProcessing = new InstancePostProcessorOptions
                {
                    DetectionsPerImage = thresholds.DetectionsPerImage,
                    ScoreThreshold = thresholds.ScoreThreshold,
                    MaskLogitThreshold = thresholds.MaskLogitThreshold,
                },
            };
            predictor = new BatchPredictor(session, batching, loggers.CreateLogger<BatchPredictor>());
            _predictors.Add((model, thresholds), predictor);
            return predictor;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        foreach (var lease in _sessions.Values)
        {
            lease.Dispose();
        }

        _sessions.Clear();
        _predictors.Clear();
        if (_ownsSessionCache)
        {
            _sessionCache.Dispose();
        }

        _gate.Dispose();
    }

    /// <summary>The session cache's key: a <c>file:</c> URI for a local model, <c>blob:</c> + the escaped blob path for a blob.</summary>
    private static Uri SessionKey(ModelReference model) => model.Location == ModelLocation.File
        ? new Uri(Path.GetFullPath(model.Name))
        : new Uri($"blob:{Uri.EscapeDataString(JobPaths.Model(model.Name).ToString())}");

    private async Task<string> LocalFileAsync(ModelReference model, CancellationToken cancellationToken)
    {
        if (model.Location == ModelLocation.File)
        {
            if (!File.Exists(model.Name))
            {
                throw new FileNotFoundException($"model file {model.Name} does not exist", model.Name);
            }

            return model.Name;
        }

        var blob = JobPaths.Model(model.Name);
        var properties = await store.GetPropertiesAsync(blob, cancellationToken)
            ?? throw new InvalidDataException($"model {blob} does not exist");
        if (properties.ETag != model.Version)
        {
            throw new InvalidDataException($"model {blob} changed since the job was submitted (ETag {properties.ETag}, job has {model.Version})");
        }

        Directory.CreateDirectory(options.CacheDirectory);
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{model.Name}\n{model.Version}")))[..32];
        var file = Path.Combine(options.CacheDirectory, $"{key}.onnx");
        if (File.Exists(file))
        {
            return file;
        }

        var temp = $"{file}.{Guid.NewGuid():N}.tmp";
        try
        {
            await using (var source = await store.OpenReadAsync(blob, cancellationToken) ?? throw new InvalidDataException($"model {blob} does not exist"))
            await using (var target = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                await source.CopyToAsync(target, cancellationToken);
            }

            File.Move(temp, file, overwrite: true);
            LogDownloaded(_logger, blob.ToString(), file);
            return file;
        }
        finally
        {
            File.Delete(temp);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Model {Blob} downloaded to {File}")]
    private static partial void LogDownloaded(ILogger logger, string blob, string file);
}
