using DiMaskDino.TestSupport;

namespace DiMaskDino.Coco.Tests;

/// <summary>The pycocotools golden data (tests/golden/coco, a verbatim copy of shared/golden/coco).</summary>
internal static class GoldenFiles
{
    /// <summary>The <c>tests/golden/coco</c> folder: README.md, rle.json and cases/.</summary>
    public static string CocoDirectory => SharedFiles.CocoGoldenDirectory;

    /// <summary>The mask API goldens.</summary>
    public static string RleJson => Path.Combine(CocoDirectory, "rle.json");
}
