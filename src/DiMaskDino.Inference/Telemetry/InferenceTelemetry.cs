// The assembly's one ActivitySource and one Meter (style.md "Logging and telemetry"). Nothing is exported from here:
// hosts switch exporters on by configuration (AddSource / AddMeter with InferenceTelemetry.Name).

using System.Diagnostics;
using System.Diagnostics.Metrics;
using DiMaskDino.Inference.Runtime;

namespace DiMaskDino.Inference.Telemetry;

/// <summary>
/// Traces and metrics of DiMaskDino.Inference, both named <see cref="Name"/>:
/// <list type="bullet">
/// <item><c>dimaskdino.inference.images</c> (counter, {image}): images through <see cref="Batching.BatchPredictor"/>, tagged
/// <c>dimaskdino.outcome</c> = <c>succeeded</c> | <c>failed</c>; its rate is the images/s throughput.</item>
/// <item><c>dimaskdino.inference.failures</c> (counter, {image}): images that failed, tagged <c>dimaskdino.failure_reason</c>
/// (an <see cref="Images.ImageRejectionReason"/> in snake case).</item>
/// <item><c>dimaskdino.inference.batch.duration</c> (histogram, s): wall time of one ONNX Runtime batch run.</item>
/// </list>
/// Every measurement and the <c>dimaskdino.inference.batch</c> activity carry <c>dimaskdino.execution_provider</c>
/// (<c>cuda</c> | <c>cpu</c>).
/// </summary>
/// <remarks>The source and instruments are immutable, thread-safe singletons, as .NET's own libraries keep them.</remarks>
public static class InferenceTelemetry
{
    public const string Name = "DiMaskDino.Inference";
    public const string ImagesCounter = "dimaskdino.inference.images";
    public const string FailuresCounter = "dimaskdino.inference.failures";
    public const string BatchDurationHistogram = "dimaskdino.inference.batch.duration";
    public const string BatchActivity = "dimaskdino.inference.batch";
    public const string ProviderTag = "dimaskdino.execution_provider";
    public const string OutcomeTag = "dimaskdino.outcome";
    public const string FailureReasonTag = "dimaskdino.failure_reason";
    public const string BatchSizeTag = "dimaskdino.batch.size";

    private static readonly string? Version = typeof(InferenceTelemetry).Assembly.GetName().Version?.ToString();

    public static ActivitySource ActivitySource { get; } = new(Name, Version);

    public static Meter Meter { get; } = new(Name, Version);

    internal static Counter<long> Images { get; } =
        Meter.CreateCounter<long>(ImagesCounter, "{image}", "Images through the batch predictor, by outcome.");

    internal static Counter<long> Failures { get; } =
        Meter.CreateCounter<long>(FailuresCounter, "{image}", "Images the batch predictor could not label, by reason.");

    internal static Histogram<double> BatchDuration { get; } =
        Meter.CreateHistogram<double>(BatchDurationHistogram, "s", "Wall time of one ONNX Runtime batch run.");

    /// <summary>The tag value of <paramref name="provider"/>: <c>cuda</c> or <c>cpu</c>.</summary>
    public static string TagValue(ExecutionProvider provider) => provider switch
    {
        ExecutionProvider.Cuda => "cuda",
        ExecutionProvider.Cpu => "cpu",
        _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, null),
    };
}
