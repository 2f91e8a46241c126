using System.Globalization;
using System.Text.Json;
using DiMaskDino.Model;
using DiMaskDino.Model.Export;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static TorchSharp.torch;

namespace DiMaskDino.Cli.Tests;

/// <summary>
/// A tiny random-weight DiMaskDino (3 classes, 64×64 input, 10 queries) exported to ONNX with the training export
/// command's metadata, plus image files to label. Predictions are meaningless but deterministic.
/// </summary>
public sealed class TinyModelFile : IDisposable
{
    public const int Size = 64;

    public static IReadOnlyList<(int Id, string Name)> Categories { get; } = [(1, "circle"), (2, "square"), (5, "triangle")];

    private readonly string _folder = Directory.CreateTempSubdirectory("dimaskdino-cli-model-").FullName;

    public TinyModelFile()
    {
        random.manual_seed(20261125);
        using var model = DiMaskDinoBuilder.Build(ModelOptions.Tiny(Categories.Count) with { FirstSelectedTokens = 20, NumQueries = 10, GuidingTokens = 4 });
        model.eval();
        var graph = OnnxExporter.Build(model, Size, Size);
        var metadata = new Dictionary<string, string>
        {
            ["classes"] = JsonSerializer.Serialize(Categories.Select(c => new[] { c.Id.ToString(CultureInfo.InvariantCulture), c.Name })),
            ["training_data"] = "none (random weights)",
            ["metrics"] = "",
            ["checkpoint"] = "random",
            ["exporter_version"] = "0.0.0.0",
        };
        foreach (var (key, value) in metadata)
        {
            graph.AddMetadata("dimaskdino." + key, value);
        }

        Path = System.IO.Path.Combine(_folder, "tiny.onnx");
        graph.Save(Path);
    }

    public string Path { get; }

    /// <summary>Writes a seeded noise PNG of the given size to <paramref name="path"/>.</summary>
    public static void WriteImage(string path, int width, int height, int seed)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        var generator = new Random(seed);
        using var image = new Image<Rgb24>(width, height);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                image[x, y] = new Rgb24((byte)generator.Next(256), (byte)generator.Next(256), (byte)generator.Next(256));
            }
        }

        image.SaveAsPng(path);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
