using System.ComponentModel.DataAnnotations;
using DiMaskDino.Inference.Images;
using DiMaskDino.Inference.PostProcessing;

namespace DiMaskDino.Inference.Batching;

/// <summary>How <see cref="BatchPredictor"/> batches and pre-/post-processes (configuration section <see cref="SectionName"/>).</summary>
public sealed class BatchPredictorOptions
{
    public const string SectionName = "BatchPredictor";

    /// <summary>Images per ONNX Runtime run (the last batch may be smaller).</summary>
    [Range(1, 1024)]
    public int BatchSize { get; set; } = 8;

    /// <summary>Images decoded and transformed at the same time; also the number of images post-processed at the same time.</summary>
    [Range(1, 1024)]
    public int DecodeParallelism { get; set; } = Environment.ProcessorCount;

    /// <summary>Top-k, score and mask thresholds of the post-processing; the defaults are the evaluation setting (no score threshold).</summary>
    [Required]
    public InstancePostProcessorOptions PostProcessing { get; set; } = new();

    /// <summary>Images declaring more pixels than this fail with a reason instead of being decoded.</summary>
    [Range(1, long.MaxValue)]
    public long MaxPixels { get; set; } = ImageLoader.DefaultMaxPixels;

    /// <summary>
    /// Short side of the official resize for models whose input transform is resize_shortest_edge (null: the model's
    /// own, e.g. 800). Smaller is faster and changes the detections; with a fixed-size graph only images whose padded
    /// size equals the graph's are accepted.
    /// </summary>
    [Range(1, 16384)]
    public int? ResizeShortEdge { get; set; }

    /// <summary>Longest side of the official resize (null: the model's own, e.g. 1333); at least the short side.</summary>
    [Range(1, 16384)]
    public int? ResizeMaxSize { get; set; }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(BatchSize, nameof(BatchSize));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(DecodeParallelism, nameof(DecodeParallelism));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxPixels, nameof(MaxPixels));
        ArgumentNullException.ThrowIfNull(PostProcessing, nameof(PostProcessing));
        if (ResizeShortEdge is { } edge)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(edge, nameof(ResizeShortEdge));
        }

        if (ResizeMaxSize is { } max)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max, nameof(ResizeMaxSize));
        }
    }
}
