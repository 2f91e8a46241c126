using DiMaskDino.TestSupport;

namespace DiMaskDino.Coco.Tests;

/// <summary>The pycocotools golden data (shared/golden/coco, beside the repository), read in place.</summary>
internal static class GoldenFiles
{
    /// <summary>The <c>shared/golden/coco</c> folder: README.md, rle.json and cases/.</summary>
    public static string CocoDirectory => SharedFiles.CocoGoldenDirectory;

    /// <summary>The mask API goldens.</summary>
    public static string RleJson => Path.Combine(CocoDirectory, "rle.json");
}
