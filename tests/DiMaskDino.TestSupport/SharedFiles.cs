namespace DiMaskDino.TestSupport;

/// <summary>
/// Locates the repository root from the test binaries, and the COCO golden data in it (tests/golden/coco, a verbatim
/// copy of shared/golden/coco: tests/golden/README.md), so the tests need nothing beside the repository.
/// </summary>
public static class SharedFiles
{
    private static readonly Lazy<string> CocoGolden = new(() =>
    {
        var folder = Path.Combine(RepositoryRoot, "tests", "golden", "coco");
        return File.Exists(Path.Combine(folder, "rle.json"))
            ? folder
            : throw new DirectoryNotFoundException($"the COCO golden data is missing from the repository: {folder}/rle.json not found");
    });

    private static readonly Lazy<string> Repository = new(() => FindAbove(
        dir => dir,
        candidate => File.Exists(Path.Combine(candidate, "DiMaskDino.Batch.sln")),
        "DiMaskDino.Batch.sln"));

    /// <summary>The repository's <c>tests/golden/coco</c> folder: README.md, rle.json and cases/.</summary>
    public static string CocoGoldenDirectory => CocoGolden.Value;

    /// <summary>The original <c>shared/golden/coco</c> beside the repository, or null where it is absent (a fresh clone).</summary>
    public static string? SharedCocoGoldenDirectory
    {
        get
        {
            var candidate = Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "golden", "coco"));
            return File.Exists(Path.Combine(candidate, "rle.json")) ? candidate : null;
        }
    }

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
