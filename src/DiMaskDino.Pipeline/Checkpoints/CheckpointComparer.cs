using System.Globalization;

namespace DiMaskDino.Pipeline.Checkpoints;

/// <summary>
/// Compares a checkpoint's evaluation with the best model's (pure; no I/O): per metric (the 12 COCO stats of bbox and
/// segm), per category AP for box and mask, the APbox − APmask balance, and the verdict.
/// </summary>
/// <remarks>
/// The verdict looks at AP (IoU .50:.95, area all) of box and mask, in AP points (0-100), with tolerance t:
/// <list type="bullet">
/// <item><b>regression</b>: APbox or APmask drops by more than t (or the candidate's AP is undefined);</item>
/// <item><b>better</b>: APbox or APmask rises by more than t and neither drops by more than t; also the first model
/// evaluated on the dataset, and any defined candidate against a best whose AP is undefined;</item>
/// <item><b>same</b>: otherwise (every change within t).</item>
/// </list>
/// </remarks>
public static class CheckpointComparer
{
    public static CheckpointComparison Compare(CheckpointEvaluation evaluation, ReportNumbers candidate, BestModelPointer? best, ReportNumbers? bestReport)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        ArgumentNullException.ThrowIfNull(candidate);
        var boxDeltas = Metrics(candidate.Bbox, bestReport?.Bbox);
        var maskDeltas = Metrics(candidate.Segm, bestReport?.Segm);
        var (verdict, reason) = Decide(boxDeltas.FirstOrDefault(), maskDeltas.FirstOrDefault(), best, evaluation.ToleranceAp);
        var gapCandidate = boxDeltas.FirstOrDefault()?.Candidate - maskDeltas.FirstOrDefault()?.Candidate;
        var gapBest = boxDeltas.FirstOrDefault()?.Best - maskDeltas.FirstOrDefault()?.Best;
        return new CheckpointComparison
        {
            JobId = evaluation.JobId,
            Model = evaluation.Model,
            Dataset = evaluation.Dataset,
            Best = best,
            Verdict = verdict,
            Reason = reason,
            ToleranceAp = evaluation.ToleranceAp,
            Bbox = boxDeltas,
            Segm = maskDeltas,
            PerCategory = Categories(candidate, bestReport),
            Balance = new BalanceDelta(gapCandidate, gapBest, gapCandidate - gapBest),
        };
    }

    /// <summary>A stat of pycocotools' summary: -1 (or anything negative) means undefined.</summary>
    public static double? Defined(double stat) => stat < 0 || double.IsNaN(stat) ? null : stat;

    private static MetricDelta[] Metrics(IouTypeNumbers? candidate, IouTypeNumbers? best)
    {
        if (candidate is null)
        {
            return [];
        }

        var rows = new MetricDelta[candidate.Stats.Count];
        for (var i = 0; i < rows.Length; i++)
        {
            var c = Defined(candidate.Stats[i]);
            var b = best is not null && i < best.Stats.Count ? Defined(best.Stats[i]) : null;
            var name = i < candidate.StatNames.Count ? candidate.StatNames[i] : i.ToString(CultureInfo.InvariantCulture);
            rows[i] = new MetricDelta(name, c, b, c - b);
        }

        return rows;
    }

    private static (CheckpointVerdict, string) Decide(MetricDelta? box, MetricDelta? mask, BestModelPointer? best, double toleranceAp)
    {
        var inv = CultureInfo.InvariantCulture;
        if (box?.Candidate is null || mask?.Candidate is null)
        {
            return (CheckpointVerdict.Regression, "the checkpoint's APbox or APmask is undefined (no bbox/segm evaluation or no ground truth scored)");
        }

        if (best is null)
        {
            return (CheckpointVerdict.Better, "first model evaluated on this dataset");
        }

        if (box.Best is null || mask.Best is null)
        {
            return (CheckpointVerdict.Better, "the best model's APbox or APmask is undefined");
        }

        var t = toleranceAp / 100;
        double dBox = box.Delta!.Value, dMask = mask.Delta!.Value;
        var change = string.Create(inv, $"APbox {Points(dBox)}, APmask {Points(dMask)} AP points (tolerance {toleranceAp:0.###})");
        if (dBox < -t || dMask < -t)
        {
            return (CheckpointVerdict.Regression, $"{change}: a drop beyond the tolerance");
        }

        return dBox > t || dMask > t
            ? (CheckpointVerdict.Better, $"{change}: a gain beyond the tolerance and no drop beyond it")
            : (CheckpointVerdict.Same, $"{change}: every change within the tolerance");
    }

    private static string Points(double delta) => (delta * 100).ToString("+0.00;-0.00;0.00", CultureInfo.InvariantCulture);

    private static CategoryDelta[] Categories(ReportNumbers candidate, ReportNumbers? best)
    {
        static Dictionary<int, CategoryNumbers> ById(IouTypeNumbers? type) =>
            type?.PerCategory.GroupBy(c => c.CategoryId).ToDictionary(g => g.Key, g => g.First()) ?? [];

        var (cBox, cMask, bBox, bMask) = (ById(candidate.Bbox), ById(candidate.Segm), ById(best?.Bbox), ById(best?.Segm));
        return [.. cBox.Keys.Concat(cMask.Keys).Concat(bBox.Keys).Concat(bMask.Keys).Distinct().Order().Select(id =>
        {
            var name = (cBox.GetValueOrDefault(id) ?? cMask.GetValueOrDefault(id) ?? bBox.GetValueOrDefault(id) ?? bMask.GetValueOrDefault(id))!.Name;
            double? boxC = cBox.GetValueOrDefault(id)?.Ap, boxB = bBox.GetValueOrDefault(id)?.Ap;
            double? maskC = cMask.GetValueOrDefault(id)?.Ap, maskB = bMask.GetValueOrDefault(id)?.Ap;
            return new CategoryDelta(id, name, boxC, boxB, boxC - boxB, maskC, maskB, maskC - maskB);
        })];
    }
}
