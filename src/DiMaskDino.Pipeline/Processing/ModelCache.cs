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
/// thresholds) on top of it. A blob model (<c>models/{name}</c>) is downloaded once into
/// <see cref="ModelCacheOptions.CacheDirectory"/> under a name derived from blob name + ETag (temp file, then rename),
/// and refused if its ETag is no longer the version the job was submitted with. Thread-safe.
/// </summary>
public sealed partial class ModelCache(IBlobStore store, ModelCacheOptions options, ILoggerFactory loggers) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<ModelReference, ModelSession> _sessions = [];
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

            if (!_sessions.TryGetValue(model, out var session))
            {
                var path = await LocalFileAsync(model, cancellationToken);
                session = new ModelSession(path, options.Inference, loggers.CreateLogger<ModelSession>());
                _sessions.Add(model, session);
                SessionsOpened++;
            }

            var batching = new BatchPredictorOptions
            {
                BatchSize = options.Batching.BatchSize,
                DecodeParallelism = options.Batching.DecodeParallelism,
                MaxPixels = options.Batching.MaxPixels,
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
        foreach (var session in _sessions.Values)
        {
            session.Dispose();
        }

        _sessions.Clear();
        _predictors.Clear();
        _gate.Dispose();
    }

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
