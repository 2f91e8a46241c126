namespace DiMaskDino.Coco.Evaluation;

/// <summary>
/// pycocotools' accumulate: per (category, area, max-detections) the detections of all images are
/// concatenated in image order, stable-sorted by score, and turned into the 101-point interpolated
/// precision, the recall and the score at each recall threshold. Categories run in parallel.
/// </summary>
internal static class Accumulator
{
    /// <summary>np.spacing(1): added to the precision denominator.</summary>
    private const double Epsilon = 2.220446049250313e-16;

    /// <param name="cells">[K, I] cell evaluations, null where a cell has neither ground truth nor detections</param>
    public static PrecisionRecall Run(CellEvaluation?[] cells, int categories, int images, CocoEvalParameters p, ParallelOptions parallel)
    {
        int t = p.IouThresholds.Count, r = p.RecallThresholds.Count, a = p.AreaRanges.Count, m = p.MaxDetections.Count;
        var result = new PrecisionRecall(t, r, categories, a, m);
        Parallel.For(0, categories, parallel, k => AccumulateCategory(cells.AsSpan(k * images, images), k, p, result));
        return result;
    }

    private static void AccumulateCategory(ReadOnlySpan<CellEvaluation?> row, int k, CocoEvalParameters p, PrecisionRecall result)
    {
        var present = new List<CellEvaluation>();
        foreach (var cell in row)
        {
            if (cell is not null)
            {
                present.Add(cell);
            }
        }

        if (present.Count == 0)
        {
            return;
        }

        int areas = p.AreaRanges.Count, thresholds = p.IouThresholds.Count;
        var nonIgnored = new int[areas];
        foreach (var cell in present)
        {
            for (var a = 0; a < areas; a++)
            {
                nonIgnored[a] += cell.NonIgnoredGroundTruths[a];
            }
        }

        var ranking = RankedDetections.Rank(present);
        for (var mi = 0; mi < p.MaxDetections.Count; mi++)
        {
            var ranked = RankedDetections.Create(present, ranking, p.MaxDetections[mi], areas * thresholds);
            var recall = new double[ranked.Count];
            var precision = new double[ranked.Count];
            for (var a = 0; a < areas; a++)
            {
                if (nonIgnored[a] == 0)
                {
                    continue;
                }

                for (var ti = 0; ti < thresholds; ti++)
                {
                    Curve(ranked.FlagRow((a * thresholds) + ti), nonIgnored[a], recall, precision);
                    result.SetRecall(ti, k, a, mi, ranked.Count > 0 ? recall[^1] : 0);
                    Sample(ranked, recall, precision, p.RecallThresholds, result, ti, k, a, mi);
                }
            }
        }
    }

    /// <summary>Cumulative recall and precision at every ranked detection (ignored ones repeat the previous values).</summary>
    private static void Curve(ReadOnlySpan<byte> flags, int nonIgnored, double[] recall, double[] precision)
    {
        double tp = 0, fp = 0;
        for (var n = 0; n < flags.Length; n++)
        {
            var flag = flags[n];
            if ((flag & CellEvaluation.Ignored) == 0)
            {
                if ((flag & CellEvaluation.Matched) != 0)
                {
                    tp++;
                }
                else
                {
                    fp++;
                }
            }

            recall[n] = tp / nonIgnored;
            precision[n] = tp / (fp + tp + Epsilon);
        }

        for (var n = flags.Length - 1; n > 0; n--)
        {
            if (precision[n] > precision[n - 1])
            {
                precision[n - 1] = precision[n];
            }
        }
    }

    /// <summary>At each recall threshold, the first detection reaching it (left binary search); 0 beyond the last reached.</summary>
    private static void Sample(
        RankedDetections ranked, double[] recall, double[] precision, IReadOnlyList<double> thresholds, PrecisionRecall result,
        int t, int k, int a, int m)
    {
        for (var ri = 0; ri < thresholds.Count; ri++)
        {
            var index = LowerBound(recall, thresholds[ri]);
            if (index >= ranked.Count)
            {
                for (var rest = ri; rest < thresholds.Count; rest++)
                {
                    result.SetPrecision(t, rest, k, a, m, 0, 0);
                }

                return;
            }

            result.SetPrecision(t, ri, k, a, m, precision[index], ranked.Scores[index]);
        }
    }

    private static int LowerBound(double[] sorted, double value)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (sorted[mid] < value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}
