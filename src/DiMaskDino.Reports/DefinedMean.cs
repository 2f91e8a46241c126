namespace DiMaskDino.Reports;

/// <summary>
/// pycocotools' <c>np.mean(s[s &gt; -1])</c>: the mean of the entries greater than -1, or -1 when none is.
/// Sums pairwise the way numpy does for a contiguous float64 array (8-way unrolled blocks of up to 128
/// elements, halves split on multiples of 8), so a per-category number matches a Python script's to the last bit.
/// </summary>
internal static class DefinedMean
{
    private const int BlockSize = 128;

    /// <summary>The defined mean of <paramref name="values"/>; null instead of -1 when nothing is defined.</summary>
    public static double? Of(List<double> values)
    {
        values.RemoveAll(v => !(v > -1));
        return values.Count == 0 ? null : PairwiseSum(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(values)) / values.Count;
    }

    /// <summary>-1 (pycocotools' "undefined") as null, for every field other than <c>stats</c>.</summary>
    public static double? Nullable(double? value) => value > -1 ? value : null;

    private static double PairwiseSum(ReadOnlySpan<double> a)
    {
        var n = a.Length;
        if (n < 8)
        {
            var sum = 0.0;
            foreach (var v in a)
            {
                sum += v;
            }

            return sum;
        }

        if (n <= BlockSize)
        {
            double r0 = a[0], r1 = a[1], r2 = a[2], r3 = a[3], r4 = a[4], r5 = a[5], r6 = a[6], r7 = a[7];
            var i = 8;
            for (; i < n - (n % 8); i += 8)
            {
                r0 += a[i];
                r1 += a[i + 1];
                r2 += a[i + 2];
                r3 += a[i + 3];
                r4 += a[i + 4];
                r5 += a[i + 5];
                r6 += a[i + 6];
                r7 += a[i + 7];
            }

            var result = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
            for (; i < n; i++)
            {
                result += a[i];
            }

            return result;
        }

        var half = n / 2;
        half -= half % 8;
        return PairwiseSum(a[..half]) + PairwiseSum(a[half..]);
    }
}
