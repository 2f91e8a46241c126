using System.Text.Json;
using System.Text.Json.Serialization;

namespace DiMaskDino.Model.Training;

/// <summary>One line of <c>metrics.jsonl</c> for a logged training step.</summary>
public sealed record StepMetrics(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("epoch")] int Epoch,
    [property: JsonPropertyName("iteration")] int Iteration,
    [property: JsonPropertyName("lr")] double LearningRate,
    [property: JsonPropertyName("loss")] double Loss,
    [property: JsonPropertyName("loss_parts")] IReadOnlyDictionary<string, double> LossParts,
    [property: JsonPropertyName("images_per_second")] double ImagesPerSecond,
    [property: JsonPropertyName("rss_mb")] double RssMb);

/// <summary>One line of <c>metrics.jsonl</c> for an evaluation on the validation set.</summary>
public sealed record EvalMetrics(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("epoch")] int Epoch,
    [property: JsonPropertyName("iteration")] int Iteration,
    [property: JsonPropertyName("ap_box")] double ApBox,
    [property: JsonPropertyName("ap_mask")] double ApMask,
    [property: JsonPropertyName("box_stats")] IReadOnlyList<double> BoxStats,
    [property: JsonPropertyName("mask_stats")] IReadOnlyList<double> MaskStats,
    [property: JsonPropertyName("per_layer")] IReadOnlyList<LayerMetrics> PerLayer,
    [property: JsonPropertyName("seconds")] double Seconds);

public sealed record LayerMetrics(
    [property: JsonPropertyName("layer")] string Layer,
    [property: JsonPropertyName("ap_box")] double ApBox,
    [property: JsonPropertyName("ap_mask")] double ApMask);

[JsonSourceGenerationOptions(WriteIndented = false)]
[JsonSerializable(typeof(StepMetrics))]
[JsonSerializable(typeof(EvalMetrics))]
internal sealed partial class MetricsJsonContext : JsonSerializerContext;

/// <summary>Appends metrics as JSON lines, flushed per line so a crash loses at most the line being written.</summary>
public sealed class MetricsLog(string path) : IDisposable
{
    private readonly StreamWriter _writer = new(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };

    public string Path { get; } = path;

    public void Write(StepMetrics metrics) => _writer.WriteLine(JsonSerializer.Serialize(metrics, MetricsJsonContext.Default.StepMetrics));

    public void Write(EvalMetrics metrics) => _writer.WriteLine(JsonSerializer.Serialize(metrics, MetricsJsonContext.Default.EvalMetrics));

    public void Dispose() => _writer.Dispose();
}
