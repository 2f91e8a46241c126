using System.Globalization;
using System.Text.Json;
using DiMaskDino.Model;
using DiMaskDino.Model.Export;
using static TorchSharp.torch;

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
        random.manual_seed(20261125);
        Model = DiMaskDinoBuilder.Build(ModelOptions.Tiny(Categories.Count) with { FirstSelectedTokens = 40, NumQueries = 20, GuidingTokens = 5 });
        Model.eval();
        Path = Write("model.onnx");
    }

    public DiMaskDinoModel Model { get; }

    /// <summary>The valid model file.</summary>
    public string Path { get; }

    /// <summary>The export command's extra metadata, keyed without the <c>dimaskdino.</c> prefix.</summary>
    public static Dictionary<string, string> ExportCommandMetadata() => new()
    {
        ["classes"] = JsonSerializer.Serialize(Categories.Select(c => new[] { c.Id.ToString(CultureInfo.InvariantCulture), c.Name })),
        ["training_data"] = "coco-tiny (train 120 images)",
        ["metrics"] = "segm_AP=0.125;bbox_AP=0.25",
        ["checkpoint"] = "epoch 3, iteration 450",
        ["exporter_version"] = "1.2.3.0",
    };

    /// <summary>Exports the model with <paramref name="metadata"/> (default: <see cref="ExportCommandMetadata"/>) to a file in the temp folder.</summary>
    public string Write(string fileName, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var graph = OnnxExporter.Build(Model, Size, Size);
        foreach (var (key, value) in metadata ?? ExportCommandMetadata())
        {
            graph.AddMetadata("dimaskdino." + key, value);
        }

        var path = System.IO.Path.Combine(_folder, fileName);
        graph.Save(path);
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
