using DiMaskDino.Contracts.Models;
using DiMaskDino.Model;
using DiMaskDino.Model.Export;
using static TorchSharp.torch;

namespace DiMaskDino.TestModels;

/// <summary>
/// Small random-weight DiMaskDino models exported to ONNX with the metadata the training export command adds, for the
/// tests of everything downstream of the exporter (inference, CLI, pipeline, hosts). Same seed, same options → same
/// weights, except TorchSharp's uninitialised GroupNorm memory (model.md notes), so tests compare runs of one file.
/// </summary>
public static class RandomModelExport
{
    /// <summary>Builds the model for <paramref name="options"/> from <paramref name="seed"/>, in eval mode.</summary>
    public static DiMaskDinoModel Build(ModelOptions options, long seed = 20261125)
    {
        random.manual_seed(seed);
        var model = DiMaskDinoBuilder.Build(options);
        model.eval();
        return model;
    }

    /// <summary>The export command's extra metadata (<see cref="ModelMetadata.CheckpointProperties"/>), full keys.</summary>
    public static Dictionary<string, string> Metadata(
        IReadOnlyList<(int Id, string Name)> categories, IReadOnlyDictionary<string, double>? metrics = null, string trainingData = "none (random weights)",
        string checkpoint = "random", string exporterVersion = "0.0.0.0") =>
        ModelMetadata.CheckpointProperties(categories, trainingData, metrics ?? new Dictionary<string, double>(), checkpoint, exporterVersion);

    /// <summary>
    /// Exports <paramref name="model"/> at a square <paramref name="size"/> (null: size-dynamic) with
    /// <paramref name="metadata"/> (which wins over what the exporter writes) to <paramref name="path"/>.
    /// </summary>
    public static void Save(DiMaskDinoModel model, int? size, IReadOnlyDictionary<string, string> metadata, string path)
    {
        var graph = OnnxExporter.Build(model, size, size);
        foreach (var (key, value) in metadata)
        {
            graph.SetMetadata(key, value);
        }

        graph.Save(path);
    }

    /// <summary>Builds, exports to <paramref name="path"/> and disposes a model: the one-call form.</summary>
    public static void Save(
        ModelOptions options, int size, IReadOnlyList<(int Id, string Name)> categories, string path, IReadOnlyDictionary<string, double>? metrics = null)
    {
        using var model = Build(options);
        Save(model, size, Metadata(categories, metrics), path);
    }
}
