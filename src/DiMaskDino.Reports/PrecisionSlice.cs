using DiMaskDino.Coco.Evaluation;

namespace DiMaskDino.Reports;

/// <summary>Reads slices of accumulate()'s precision array [T, R, K, A, M] the way pycocotools indexes it.</summary>
internal static class PrecisionSlice
{
    /// <summary>
    /// <c>precision[t?, r?, k?, a, m]</c> flattened in C order (t, r, k); a null index takes the whole axis.
    /// The order matters: numpy's pairwise mean is not associative to the last bit.
    /// </summary>
    public static List<double> Values(PrecisionRecall arrays, int? t, int? r, int? k, int a, int m)
    {
        var values = new List<double>();
        for (var ti = t ?? 0; ti < (t + 1 ?? arrays.T); ti++)
        {
            for (var ri = r ?? 0; ri < (r + 1 ?? arrays.R); ri++)
            {
                for (var ki = k ?? 0; ki < (k + 1 ?? arrays.K); ki++)
                {
                    values.Add(arrays.Precision[arrays.PrecisionIndex(ti, ri, ki, a, m)]);
                }
            }
        }

        return values;
    }

    /// <summary>np.where(iouThrs == value): exact equality, as pycocotools' summarize() does; -1 when absent.</summary>
    public static int IndexOf(IReadOnlyList<double> thresholds, double value)
    {
        for (var i = 0; i < thresholds.Count; i++)
        {
            if (thresholds[i] == value)
            {
                return i;
            }
        }

        return -1;
    }
}
