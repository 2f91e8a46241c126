using System.Text.Json;
using DiMaskDino.Coco.Evaluation;

namespace DiMaskDino.Coco.Tests.Evaluation;

/// <summary>One folder of tests/golden/coco/cases.</summary>
public sealed class GoldenCase
{
    private GoldenCase(string directory)
    {
        Directory = directory;
        Golden = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(directory, "golden.json"))).RootElement;
    }

    public string Name => Path.GetFileName(Directory);

    public string Directory { get; }

    public JsonElement Golden { get; }

    public string GroundTruthPath => Path.Combine(Directory, "gt.json");

    public string DetectionsPath => Path.Combine(Directory, "dt.json");

    public bool UseCategories => Golden.GetProperty("useCats").GetInt32() == 1;

    public static IEnumerable<string> Names() =>
        System.IO.Directory.GetDirectories(CasesRoot()).Select(Path.GetFileName).Order()!;

    public static GoldenCase Load(string name) => new(Path.Combine(CasesRoot(), name));

    public JsonElement Results(IouType type) => Golden.GetProperty(type == IouType.Bbox ? "bbox" : "segm");

    public static string CasesRoot() => Path.Combine(GoldenFiles.CocoDirectory, "cases");
}
