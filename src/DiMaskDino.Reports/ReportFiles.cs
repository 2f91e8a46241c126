using DiMaskDino.Coco.Evaluation;

namespace DiMaskDino.Reports;

/// <summary>File names inside a report folder, relative to it, with '/' separators (they double as Markdown links).</summary>
public static class ReportFiles
{
    public const string Json = "report.json";

    public const string Markdown = "report.md";

    public const string PlotsFolder = "plots";

    public const string BalancePlot = "plots/balance.png";

    public static string PrCurvePlot(IouType type) => $"plots/pr_{TypeName(type)}.png";

    /// <summary>pycocotools' iouType string, which is also the section's key in report.json.</summary>
    public static string TypeName(IouType type) => type switch
    {
        IouType.Bbox => "bbox",
        IouType.Segm => "segm",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };
}
