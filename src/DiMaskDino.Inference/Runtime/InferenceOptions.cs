using System.ComponentModel.DataAnnotations;
using Microsoft.ML.OnnxRuntime;

namespace DiMaskDino.Inference.Runtime;

/// <summary>How <see cref="ModelSession"/> builds its ONNX Runtime session (configuration section <see cref="SectionName"/>).</summary>
public sealed class InferenceOptions
{
    public const string SectionName = "Inference";

    /// <summary>The provider to try first; <see cref="ExecutionProvider.Cuda"/> falls back to the CPU when CUDA is unavailable.</summary>
    public ExecutionProvider PreferredProvider { get; set; } = ExecutionProvider.Cuda;

    /// <summary>CUDA device ordinal used with <see cref="ExecutionProvider.Cuda"/>.</summary>
    [Range(0, 64)]
    public int CudaDeviceId { get; set; }

    /// <summary>Threads ORT uses inside one operator; 0 lets ORT choose (one per physical core).</summary>
    [Range(0, 1024)]
    public int IntraOpThreads { get; set; }

    /// <summary>
    /// Whether ORT's intra-op worker threads spin while they wait for work (<c>session.intra_op.allow_spinning</c>).
    /// Spinning shortens the gap between operators, but the spinning threads take CPU that concurrent decoding and
    /// post-processing need when they overlap the runs (BatchPredictor); off by default. Measured on 2 cores with
    /// <c>dimaskdino bench predict</c>: the same ORT runs took 14.4 s of CPU with spinning and 9.3 s without
    /// (docs/benchmarks.md, "predict throughput").
    /// </summary>
    public bool AllowSpinning { get; set; }

    /// <summary>ORT graph optimisation level applied when the session is created.</summary>
    public GraphOptimizationLevel GraphOptimizationLevel { get; set; } = GraphOptimizationLevel.ORT_ENABLE_ALL;
}
