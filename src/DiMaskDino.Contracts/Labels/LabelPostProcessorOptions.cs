namespace DiMaskDino.Contracts.Labels;

/// <summary>Settings of DiMaskDino.Inference's <c>LabelPostProcessor</c> (the labels mode, docs/labels.md).</summary>
public sealed record LabelPostProcessorOptions
{
    public const double DefaultDuplicateMaskIou = 0.8;
    public const int DefaultMinSpeckArea = 8;

    /// <summary>Instances whose final score is below this are dropped.</summary>
    public double ScoreThreshold { get; init; }

    /// <summary>Of two instances whose masks overlap with an IoU at least this (any classes), the lower-scoring one is dropped.</summary>
    public double DuplicateMaskIou { get; init; } = DefaultDuplicateMaskIou;

    /// <summary>4-connected mask parts smaller than this many pixels are removed (the largest part always stays); 0 or 1 keeps every part.</summary>
    public int MinSpeckArea { get; init; } = DefaultMinSpeckArea;

    /// <summary>Where each label's box comes from.</summary>
    public BoxSource Box { get; init; } = BoxSource.Mask;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        if (ScoreThreshold is < 0 or > 1 || double.IsNaN(ScoreThreshold))
        {
            throw new ArgumentOutOfRangeException(nameof(ScoreThreshold), ScoreThreshold, "the score threshold must be within 0..1");
        }

        if (DuplicateMaskIou is <= 0 or > 1 || double.IsNaN(DuplicateMaskIou))
        {
            throw new ArgumentOutOfRangeException(nameof(DuplicateMaskIou), DuplicateMaskIou, "the duplicate mask IoU must be within (0, 1]");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(MinSpeckArea);
    }
}
