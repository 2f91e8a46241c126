// Locates the pycocotools golden data (shared/golden/coco, next to the repository), which tests read in place.

namespace DiMaskDino.Coco.Tests;

internal static class GoldenFiles
{
    private const string CocoRelative = "shared/golden/coco";

    private static readonly Lazy<string> s_cocoDirectory = new(FindCocoDirectory);

    /// <summary>The <c>shared/golden/coco</c> folder: README.md, rle.json and cases/.</summary>
    public static string CocoDirectory => s_cocoDirectory.Value;

    /// <summary>The mask API goldens.</summary>
    public static string RleJson => Path.Combine(CocoDirectory, "rle.json");

    // Walks up from the test binaries (artifacts/bin/... inside the repository) to the first directory that holds
    // shared/golden/coco/rle.json: the repository's parent, where shared/ sits beside it.
    private static string FindCocoDirectory()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            string candidate = Path.Combine(directory.FullName, CocoRelative);
            if (File.Exists(Path.Combine(candidate, "rle.json")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException(
            $"No {CocoRelative}/rle.json in any directory above {AppContext.BaseDirectory}; the goldens live beside the repository.");
    }
}
