using DiMaskDino.Inference.Batching;
using DiMaskDino.Inference.Runtime;

namespace DiMaskDino.Pipeline.Processing;

/// <summary>How a worker process loads models: where downloaded model blobs are kept, the ORT session settings and the
/// batching of the predictor (its post-processing thresholds come from each job).</summary>
public sealed class ModelCacheOptions
{
    /// <summary>Folder for downloaded <c>models/…</c> blobs, one file per name + ETag.</summary>
    public string CacheDirectory { get; set; } = Path.Combine(Path.GetTempPath(), "dimaskdino-models");

    public InferenceOptions Inference { get; set; } = new();

    /// <summary>Batch size, decode parallelism and pixel limit; <see cref="BatchPredictorOptions.PostProcessing"/> is replaced per job.</summary>
    public BatchPredictorOptions Batching { get; set; } = new();
}
