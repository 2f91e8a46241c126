using System.Globalization;
using System.Text;

namespace DiMaskDino.Coco.Evaluation;

/// <summary>pycocotools' summarize(): the 12 standard numbers and their exact text, plus per-category rows.</summary>
internal static class Summarizer
{
    public static (double[] Stats, string Text) Summarize(PrecisionRecall arrays, CocoEvalParameters p)
    {
        var maxDets = p.MaxDetections;
        var lines = new StringBuilder();
        var stats = new double[12];
        var m2 = maxDets.Count > 2 ? maxDets[2] : maxDets[^1];
        stats[0] = Line(arrays, p, lines, ap: true, null, "all", m2);
        stats[1] = Line(arrays, p, lines, ap: true, 0.5, "all", m2);
        stats[2] = Line(arrays, p, lines, ap: true, 0.75, "all", m2);
        stats[3] = Line(arrays, p, lines, ap: true, null, "small", m2);
        stats[4] = Line(arrays, p, lines, ap: true, null, "medium", m2);
        stats[5] = Line(arrays, p, lines, ap: true, null, "large", m2);
        stats[6] = Line(arrays, p, lines, ap: false, null, "all", maxDets[0]);
        stats[7] = Line(arrays, p, lines, ap: false, null, "all", maxDets.Count > 1 ? maxDets[1] : maxDets[^1]);
        stats[8] = Line(arrays, p, lines, ap: false, null, "all", m2);
        stats[9] = Line(arrays, p, lines, ap: false, null, "small", m2);
        stats[10] = Line(arrays, p, lines, ap: false, null, "medium", m2);
        stats[11] = Line(arrays, p, lines, ap: false, null, "large", m2);
        return (stats, lines.ToString());
    }

    public static CategoryEvaluation[] PerCategory(PrecisionRecall arrays, CocoEvalParameters p, IReadOnlyList<int> categoryIds, IReadOnlyDictionary<int, string> names)
    {
        var rows = new CategoryEvaluation[arrays.K];
        var m = p.MaxDetections.Count - 1;
        var iou50 = IndexOf(p.IouThresholds, 0.5);
        for (var k = 0; k < arrays.K; k++)
        {
            var id = p.UseCategories ? categoryIds[k] : -1;
            var areas = new AreaMetrics[arrays.A];
            for (var a = 0; a < arrays.A; a++)
            {
                var ap = NumpyMean.OfDefined(Precision(arrays, null, a, m, k));
                var ap50 = iou50 < 0 ? -1 : NumpyMean.OfDefined(Precision(arrays, iou50, a, m, k));
                var ar = NumpyMean.OfDefined(Recall(arrays, null, a, m, k));
                areas[a] = new AreaMetrics(p.AreaRanges[a].Label, ap, ap50, ar);
            }

            rows[k] = new CategoryEvaluation(id, names.GetValueOrDefault(id, p.UseCategories ? id.ToString(CultureInfo.InvariantCulture) : "all"), areas);
        }

        return rows;
    }

    private static double Line(PrecisionRecall arrays, CocoEvalParameters p, StringBuilder text, bool ap, double? iouThreshold, string area, int maxDets)
    {
        var a = p.AreaRanges.ToList().FindIndex(r => r.Label == area);
        var m = p.MaxDetections.ToList().IndexOf(maxDets);
        var t = iouThreshold is { } thr ? IndexOf(p.IouThresholds, thr) : (int?)null;
        var mean = a < 0 || m < 0 || t < 0
            ? -1
            : NumpyMean.OfDefined(ap ? Precision(arrays, t, a, m, null) : Recall(arrays, t, a, m, null));

        var inv = CultureInfo.InvariantCulture;
        var iou = iouThreshold is { } x
            ? x.ToString("F2", inv)
            : $"{p.IouThresholds[0].ToString("F2", inv)}:{p.IouThresholds[^1].ToString("F2", inv)}";
        var title = ap ? "Average Precision" : "Average Recall";
        var kind = ap ? "(AP)" : "(AR)";
        text.Append(inv, $" {title,-18} {kind} @[ IoU={iou,-9} | area={area,6} | maxDets={maxDets,3} ] = {mean.ToString("F3", inv)}\n");
        return mean;
    }

    /// <summary>precision[t?, :, k?, a, m] flattened in C order (t, r, k).</summary>
    private static List<double> Precision(PrecisionRecall arrays, int? t, int a, int m, int? k)
    {
        var values = new List<double>();
        for (var ti = t ?? 0; ti < (t + 1 ?? arrays.T); ti++)
        {
            for (var r = 0; r < arrays.R; r++)
            {
                for (var ki = k ?? 0; ki < (k + 1 ?? arrays.K); ki++)
                {
                    values.Add(arrays.Precision[arrays.PrecisionIndex(ti, r, ki, a, m)]);
                }
            }
        }

        return values;
    }

    /// <summary>recall[t?, k?, a, m] flattened in C order (t, k).</summary>
    private static List<double> Recall(PrecisionRecall arrays, int? t, int a, int m, int? k)
    {
        var values = new List<double>();
        for (var ti = t ?? 0; ti < (t + 1 ?? arrays.T); ti++)
        {
            for (var ki = k ?? 0; ki < (k + 1 ?? arrays.K); ki++)
            {
                values.Add(arrays.Recall[arrays.RecallIndex(ti, ki, a, m)]);
            }
        }

        return values;
    }

    /// <summary>np.where(thr == iouThrs): exact equality, as pycocotools does.</summary>
    private static int IndexOf(IReadOnlyList<double> values, double value)
    {
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i] == value)
            {
                return i;
            }
        }

        return -1;
    }
}
