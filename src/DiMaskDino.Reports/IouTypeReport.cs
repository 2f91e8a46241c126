using System.Text.Json.Serialization;
using DiMaskDino.Coco.Evaluation;

namespace DiMaskDino.Reports;

/// <summary>
/// The report of one IoU type: pycocotools' 12 numbers and summary text, a per-category table and PR-curve data.
/// <see cref="Stats"/> keeps pycocotools' -1 for "undefined" (tools read it as is); every other number is null instead.
/// </summary>
/// <param name="Stats">the 12 summarize() numbers, named by <see cref="StatNames"/></param>
/// <param name="Summary">summarize()'s text, byte for byte</param>
public sealed record IouTypeReport(
    [property: JsonIgnore] IouType IouType,
    IReadOnlyList<double> Stats,
    IReadOnlyList<string> StatNames,
    string Summary,
    EvaluationSettings Settings,
    IReadOnlyList<CategoryMetrics> PerCategory,
    PrCurves PrCurves)
{
    public static IouTypeReport Create(CocoEvaluation evaluation)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        var p = evaluation.Parameters;
        var arrays = evaluation.Arrays;
        var all = AreaIndex(p, "all");
        var m = p.MaxDetections.Count - 1;
        var iou75 = PrecisionSlice.IndexOf(p.IouThresholds, 0.75);

        var rows = new CategoryMetrics[evaluation.PerCategory.Count];
        for (var k = 0; k < rows.Length; k++)
        {
            var category = evaluation.PerCategory[k];
            var overall = Area(category, "all");
            var ap75 = iou75 < 0 || all < 0 ? null : DefinedMean.Of(PrecisionSlice.Values(arrays, iou75, null, k, all, m));
            rows[k] = new CategoryMetrics(
                category.CategoryId,
                category.Name,
                Ap: DefinedMean.Nullable(overall?.Ap),
                Ap50: DefinedMean.Nullable(overall?.Ap50),
                Ap75: ap75,
                Aps: DefinedMean.Nullable(Area(category, "small")?.Ap),
                Apm: DefinedMean.Nullable(Area(category, "medium")?.Ap),
                Apl: DefinedMean.Nullable(Area(category, "large")?.Ap),
                Ar100: DefinedMean.Nullable(overall?.Ar));
        }

        var settings = new EvaluationSettings(
            p.IouThresholds, p.MaxDetections, [.. p.AreaRanges.Select(r => r.Label)], p.UseCategories,
            evaluation.ImageIds.Count, evaluation.CategoryIds.Count);
        return new IouTypeReport(
            evaluation.IouType, [.. evaluation.Stats], CocoEvaluation.StatNames, evaluation.SummaryText, settings, rows,
            PrCurves.Create(evaluation, Math.Max(all, 0), m));
    }

    /// <summary>Index of the area range labelled <paramref name="label"/>, -1 when the parameters have none.</summary>
    private static int AreaIndex(CocoEvalParameters p, string label)
    {
        for (var a = 0; a < p.AreaRanges.Count; a++)
        {
            if (p.AreaRanges[a].Label == label)
            {
                return a;
            }
        }

        return -1;
    }

    private static AreaMetrics? Area(CategoryEvaluation category, string label) =>
        category.Areas.FirstOrDefault(x => x.Area == label);
}

/// <summary>The parameters the numbers were computed with, and the size of the evaluation.</summary>
/// <param name="MaxDets">ascending; per-category rows and PR curves use the last one</param>
public sealed record EvaluationSettings(
    IReadOnlyList<double> IouThresholds,
    IReadOnlyList<int> MaxDets,
    IReadOnlyList<string> Areas,
    bool UseCategories,
    int ImageCount,
    int CategoryCount);

/// <summary>
/// One category's row: AP over IoU .50:.95, at .50 and .75, per area range, and AR, all at area "all" (except
/// APs/m/l) and the largest maxDets. Null where the category has no ground truth in that range (pycocotools' -1).
/// </summary>
/// <param name="CategoryId">-1 when the evaluation ignored categories</param>
public sealed record CategoryMetrics(
    int CategoryId,
    string Name,
    double? Ap,
    double? Ap50,
    double? Ap75,
    double? Aps,
    double? Apm,
    double? Apl,
    double? Ar100);
