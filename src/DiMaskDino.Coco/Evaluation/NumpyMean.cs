namespace DiMaskDino.Coco.Evaluation;

/// <summary>
/// numpy's mean of a contiguous float64 array: pairwise summation (8-way unrolled blocks of up to
/// 128 elements, halves split on multiples of 8) divided by the count. A plain loop can differ in
/// the last bit, and COCO summaries are compared to the last digit.
/// </summary>
public static class NumpyMean
{
    private const int BlockSize = 128;

    public static double Of(ReadOnlySpan<double> values) => PairwiseSum(values) / values.Length;

    /// <summary>pycocotools' <c>np.mean(s[s &gt; -1])</c>, or -1 when no entry qualifies. Consumes the list.</summary>
    public static double OfDefined(List<double> values)
    {
        values.RemoveAll(v => !(v > -1));
        return values.Count == 0 ? -1 : Of(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(values));
    }

    internal static double PairwiseSum(ReadOnlySpan<double> a)
    {
        var n = a.Length;
        if (n < 8)
        {
            var sum = 0.0;
            for (var i = 0; i < n; i++)
            {
                sum += a[i];
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
