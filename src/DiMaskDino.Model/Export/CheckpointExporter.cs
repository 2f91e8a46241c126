// A checkpoint → a self-describing ONNX model: the inference graph (OnnxExporter) plus what the checkpoint knows
// (classes, training data, metrics, provenance), so the inference side needs no side files.

using DiMaskDino.Contracts.Models;
using DiMaskDino.Model.Training;

namespace DiMaskDino.Model.Export;

/// <summary>The exported model and what produced it; dispose to release the TorchSharp network.</summary>
/// <param name="Size">the graph's square input size, or for a size-dynamic graph the size to verify it at</param>
/// <param name="SizeDynamic">the graph takes any input size (<see cref="CheckpointExporter.IsSizeDynamic"/>)</param>
public sealed record ExportedCheckpoint(DiMaskDinoModel Model, CheckpointState State, int Size, bool SizeDynamic, byte[] Onnx) : IDisposable
{
    public void Dispose() => Model.Dispose();
}

public static class CheckpointExporter
{
    /// <param name="checkpoint">checkpoint folder (model.bin + state.json)</param>
    /// <param name="size">square input size (multiple of 32); null = the training canvas, or a size-dynamic graph for a
    /// model whose input transform is ResizeShortestEdge (imported official checkpoints: every image keeps its own size)</param>
    /// <param name="precision">weight storage; with a lossy one the returned <see cref="ExportedCheckpoint.Model"/> holds
    /// the rounded weights the file holds, so it is the reference to verify the file against</param>
    public static ExportedCheckpoint Export(string checkpoint, int? size = null, WeightPrecision precision = WeightPrecision.Float32)
    {
        var state = Checkpoint.ReadState(checkpoint);
        var model = DiMaskDinoBuilder.Build(state.ToModelOptions());
        try
        {
            Checkpoint.LoadModel(checkpoint, model);
            model.eval();
            var side = size ?? state.CanvasSize;
            return new ExportedCheckpoint(model, state, side, IsSizeDynamic(model.Options, size), ToOnnx(model, state, size, precision));
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The self-describing ONNX bytes of a model already in memory (eval mode) with its checkpoint state: the inference
    /// graph plus what the state knows (classes, training data, metrics, provenance).
    /// </summary>
    /// <param name="size">as in <see cref="Export"/></param>
    /// <param name="precision">as in <see cref="Export"/>; a lossy one rounds <paramref name="model"/>'s weights in place</param>
    public static byte[] ToOnnx(DiMaskDinoModel model, CheckpointState state, int? size = null, WeightPrecision precision = WeightPrecision.Float32)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(state);
        var side = size ?? state.CanvasSize;
        var graph = IsSizeDynamic(model.Options, size) ? OnnxExporter.Build(model, null, null, precision) : OnnxExporter.Build(model, side, side, precision);
        var provenance = ModelMetadata.CheckpointProperties(
            state.Categories.Select(c => (c.Id, c.Name)), state.TrainingData ?? "", state.Metrics.Select(m => KeyValuePair.Create(m.Name, m.Value)),
            $"epoch {state.Epoch}, iteration {state.Iteration}", typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "");
        foreach (var (key, value) in provenance)
        {
            graph.AddMetadata(key, value);
        }

        return graph.ToBytes();
    }

    /// <summary>Without a requested size, a model whose images keep their own size (ResizeShortestEdge) exports a size-dynamic graph.</summary>
    public static bool IsSizeDynamic(ModelOptions options, int? size) =>
        size is null && options.InputTransform == InputTransformKind.ResizeShortestEdge;

    /// <summary>Writes <paramref name="onnx"/> to a temporary name beside <paramref name="path"/> and renames it into place.</summary>
    public static void Save(byte[] onnx, string path)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full + ".tmp", onnx);
        File.Move(full + ".tmp", full, overwrite: true);
    }
}
