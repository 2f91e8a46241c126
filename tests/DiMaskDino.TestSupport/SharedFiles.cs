namespace DiMaskDino.TestSupport;

/// <summary>Locates ../shared (read in place, never copied) and the repository root from the test binaries.</summary>
public static class SharedFiles
{
    private static readonly Lazy<string> CocoGolden = new(() => FindAbove(
        dir => Path.Combine(dir, "shared", "golden", "coco"),
        candidate => File.Exists(Path.Combine(candidate, "rle.json")),
        "shared/golden/coco/rle.json"));

    private static readonly Lazy<string> Repository = new(() => FindAbove(
        dir => dir,
        candidate => File.Exists(Path.Combine(candidate, "DiMaskDino.Batch.sln")),
        "DiMaskDino.Batch.sln"));

    /// <summary>The <c>shared/golden/coco</c> folder beside the repository.</summary>
    public static string CocoGoldenDirectory => CocoGolden.Value;

    public static string GoldenCase(string name) => Path.Combine(CocoGoldenDirectory, "cases", name);

    public static string RepositoryRoot => Repository.Value;

    private static string FindAbove(Func<string, string> candidateOf, Func<string, bool> matches, string what)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = candidateOf(dir.FullName);
            if (matches(candidate))
            {
                return Path.GetFullPath(candidate);
            }
        }

        throw new DirectoryNotFoundException($"{what} not found in any folder above {AppContext.BaseDirectory}");
    }
}
