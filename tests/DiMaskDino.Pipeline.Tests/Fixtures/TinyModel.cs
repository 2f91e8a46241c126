using DiMaskDino.Model;
using DiMaskDino.TestModels;

namespace DiMaskDino.Pipeline.Tests.Fixtures;

/// <summary>
/// A tiny random-weight DiMaskDino (3 classes, 64×64 input, 10 queries) exported to ONNX with the metadata the
/// training export command writes; exported once for every test that uses the collection <see cref="PipelineCollection"/>.
/// Its predictions are meaningless but deterministic, which is what byte-identical re-run checks need.
/// </summary>
public sealed class TinyModel : IDisposable
{
    public const int Size = 64;

    public static IReadOnlyList<(int Id, string Name)> Categories { get; } = [(1, "circle"), (2, "square"), (5, "triangle")];

    private readonly string _folder = Directory.CreateTempSubdirectory("dimaskdino-pipeline-model-").FullName;

    public TinyModel()
    {
        Path = System.IO.Path.Combine(_folder, "tiny.onnx");
        RandomModelExport.Save(
            ModelOptions.Tiny(Categories.Count) with
            {
                HiddenDim = 64, FeedForwardDim = 128, EncoderLayers = 1, DecoderLayers = 2, FirstSelectedTokens = 20, NumQueries = 10, GuidingTokens = 4,
            },
            Size, Categories, Path, metrics: new Dictionary<string, double> { ["segm_AP"] = 0, ["bbox_AP"] = 0 });

        // The pipeline benchmark (docs/benchmarks.md) uses this same model: set the variable to keep a copy.
        if (Environment.GetEnvironmentVariable(KeepCopyVariable) is { Length: > 0 } copy)
        {
            File.Copy(Path, copy, overwrite: true);
        }
    }

    /// <summary>Environment variable naming a file the exported model is copied to.</summary>
    public const string KeepCopyVariable = "DIMASKDINO_KEEP_TINY_MODEL";

    public string Path { get; }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}

[CollectionDefinition(Name)]
public sealed class PipelineCollection : ICollectionFixture<TinyModel>
{
    public const string Name = "pipeline with the tiny model";
}
