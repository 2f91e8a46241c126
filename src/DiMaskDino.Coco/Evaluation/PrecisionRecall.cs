namespace DiMaskDino.Coco.Evaluation;

/// <summary>
/// accumulate()'s arrays: precision and scores [T, R, K, A, M], recall [T, K, A, M], row-major,
/// -1 where a (category, area) has no non-ignored ground truth.
/// </summary>
public sealed class PrecisionRecall
{
    internal PrecisionRecall(int t, int r, int k, int a, int m)
    {
        (T, R, K, A, M) = (t, r, k, a, m);
        Precision = new double[t * r * k * a * m];
        Scores = new double[Precision.Length];
        Recall = new double[t * k * a * m];
        Array.Fill(Precision, -1);
        Array.Fill(Scores, -1);
        Array.Fill(Recall, -1);
    }

    public int T { get; }

    public int R { get; }

    public int K { get; }

    public int A { get; }

    public int M { get; }

    public double[] Precision { get; }

    public double[] Recall { get; }

    public double[] Scores { get; }

    public int PrecisionIndex(int t, int r, int k, int a, int m) => ((((t * R) + r) * K + k) * A + a) * M + m;

    public int RecallIndex(int t, int k, int a, int m) => (((t * K) + k) * A + a) * M + m;

    internal void SetPrecision(int t, int r, int k, int a, int m, double precision, double score)
    {
        var i = PrecisionIndex(t, r, k, a, m);
        Precision[i] = precision;
        Scores[i] = score;
    }

    internal void SetRecall(int t, int k, int a, int m, double recall) => Recall[RecallIndex(t, k, a, m)] = recall;
}
