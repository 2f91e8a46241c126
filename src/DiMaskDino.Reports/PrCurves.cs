using DiMaskDino.Coco.Evaluation;

namespace DiMaskDino.Reports;

/// <summary>
/// Precision at each recall threshold (101 by default) for one area range and max-detections value: the mean over
/// categories with ground truth at IoU .50, at .75 and over all IoU thresholds, and each category's curve at .50.
/// pycocotools' interpolated precision is already monotone, so each curve is drawn as is.
/// </summary>
/// <param name="Iou50">mean over categories at IoU .50; null when no category has ground truth or .50 is not a threshold</param>
/// <param name="IouMean">mean over IoU thresholds and categories; its mean over recall is the AP of <see cref="IouTypeReport.Stats"/></param>
public sealed record PrCurves(
    string Area,
    int MaxDets,
    IReadOnlyList<double> RecallThresholds,
    IReadOnlyList<double>? Iou50,
    IReadOnlyList<double>? Iou75,
    IReadOnlyList<double>? IouMean,
    IReadOnlyList<CategoryCurve> PerCategoryIou50)
{
    internal static PrCurves Create(CocoEvaluation evaluation, int a, int m)
    {
        var p = evaluation.Parameters;
        var arrays = evaluation.Arrays;
        var iou50 = PrecisionSlice.IndexOf(p.IouThresholds, 0.5);
        var iou75 = PrecisionSlice.IndexOf(p.IouThresholds, 0.75);

        var perCategory = new CategoryCurve[evaluation.PerCategory.Count];
        for (var k = 0; k < perCategory.Length; k++)
        {
            var category = evaluation.PerCategory[k];
            var precision = iou50 < 0 ? null : Curve(r => DefinedMean.Nullable(arrays.Precision[arrays.PrecisionIndex(iou50, r, k, a, m)]), arrays.R);
            perCategory[k] = new CategoryCurve(category.CategoryId, category.Name, precision);
        }

        return new PrCurves(
            p.AreaRanges[a].Label,
            p.MaxDetections[m],
            p.RecallThresholds,
            iou50 < 0 ? null : Curve(r => DefinedMean.Of(PrecisionSlice.Values(arrays, iou50, r, null, a, m)), arrays.R),
            iou75 < 0 ? null : Curve(r => DefinedMean.Of(PrecisionSlice.Values(arrays, iou75, r, null, a, m)), arrays.R),
            Curve(r => DefinedMean.Of(PrecisionSlice.Values(arrays, null, r, null, a, m)), arrays.R),
            perCategory);
    }

    /// <summary>
    /// The values at each recall threshold, or null when undefined. Whether a category is defined depends only on
    /// its ground truth in the area range, never on the recall threshold, so a curve is defined everywhere or nowhere.
    /// </summary>
    private static double[]? Curve(Func<int, double?> precisionAt, int recallCount)
    {
        var values = new double[recallCount];
        for (var r = 0; r < recallCount; r++)
        {
            if (precisionAt(r) is not { } value)
            {
                return null;
            }

            values[r] = value;
        }

        return values;
    }
}

/// <param name="Precision">null when the category has no ground truth in the area range</param>
public sealed record CategoryCurve(int CategoryId, string Name, IReadOnlyList<double>? Precision);
