using DiMaskDino.Contracts.Models;
using DiMaskDino.Model;
using DiMaskDino.TestModels;

namespace DiMaskDino.Inference.Tests.Runtime;

/// <summary>
/// A tiny random-weight DiMaskDino (6 classes, 96×96) exported to ONNX with the metadata the training export command
/// adds; shared by the runtime tests (export once per test class).
/// </summary>
public sealed class TinyOnnxModel : IDisposable
{
    public const int Size = 96;

    public static IReadOnlyList<(int Id, string Name)> Categories { get; } =
        [(1, "person"), (3, "car"), (7, "train"), (18, "dog"), (44, "bottle"), (90, "toothbrush")];

    private readonly string _folder = Directory.CreateTempSubdirectory("dimaskdino-runtime-").FullName;

    public TinyOnnxModel()
    {
        Model = RandomModelExport.Build(ModelOptions.Tiny(Categories.Count) with { FirstSelectedTokens = 40, NumQueries = 20, GuidingTokens = 5 });
        Path = Write("model.onnx");
    }

    public DiMaskDinoModel Model { get; }

    /// <summary>The valid model file.</summary>
    public string Path { get; }

    /// <summary>The export command's extra metadata (full keys).</summary>
    public static Dictionary<string, string> ExportCommandMetadata() => RandomModelExport.Metadata(
        Categories, metrics: new Dictionary<string, double> { ["segm_AP"] = 0.125, ["bbox_AP"] = 0.25 }, trainingData: "coco-tiny (train 120 images)",
        checkpoint: "epoch 3, iteration 450", exporterVersion: "1.2.3.0");

    /// <summary>Exports the model with <paramref name="metadata"/> (default: <see cref="ExportCommandMetadata"/>) to a file in the temp folder.</summary>
    public string Write(string fileName, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var path = System.IO.Path.Combine(_folder, fileName);
        RandomModelExport.Save(Model, Size, metadata ?? ExportCommandMetadata(), path);
        return path;
    }

    /// <summary>
    /// The model exported size-dynamic (symbolic height and width) with the export command's metadata, as an imported
    /// model's: the official resize (a letterbox model needs one fixed canvas).
    /// </summary>
    public string WriteSizeDynamic(string fileName)
    {
        var path = System.IO.Path.Combine(_folder, fileName);
        var metadata = ExportCommandMetadata();
        metadata[ModelMetadata.Keys.InputTransform] = ModelMetadata.Values.ResizeShortestEdge;
        metadata[ModelMetadata.Keys.ResizeShortEdge] = "96";
        metadata[ModelMetadata.Keys.ResizeMaxSize] = "160";
        RandomModelExport.Save(Model, null, metadata, path);
        return path;
    }

    /// <summary>A file in the temp folder with <paramref name="bytes"/>.</summary>
    public string WriteBytes(string fileName, byte[] bytes)
    {
        var path = System.IO.Path.Combine(_folder, fileName);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public void Dispose()
    {
        Model.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
