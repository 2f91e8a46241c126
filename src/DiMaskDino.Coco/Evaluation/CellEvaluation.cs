namespace DiMaskDino.Coco.Evaluation;

/// <summary>
/// What evaluateImg produced for one (category, image) cell, for every area range at once.
/// Flags are laid out [A, T, D]: bit 0 = matched to a ground truth, bit 1 = ignored.
/// </summary>
internal sealed class CellEvaluation(double[] scores, byte[] flags, int[] nonIgnoredGroundTruths, ImageEvaluation? record)
{
    public const byte Matched = 1;
    public const byte Ignored = 2;

    /// <summary>Detection scores, sorted descending (stable) and cut to the last max-detections value.</summary>
    public double[] Scores { get; } = scores;

    public byte[] Flags { get; } = flags;

    /// <summary>Per area range, how many ground truths are not ignored.</summary>
    public int[] NonIgnoredGroundTruths { get; } = nonIgnoredGroundTruths;

    /// <summary>The pycocotools-shaped record for the first area range, kept only on request.</summary>
    public ImageEvaluation? Record { get; } = record;
}
