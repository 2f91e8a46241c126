namespace DiMaskDino.Pipeline.Review;

/// <summary>
/// When each review reason fires and how much it weighs (docs/review.md). A reason found on an instance has a
/// severity in [0, 1] (how far past its limit the instance is) and contributes <c>weight × severity</c>; an image's
/// review score is <c>1 − Π(1 − contribution)</c> over all its reasons, a noisy-OR that reads as "how likely at least
/// one label needs a person" if every contribution were an independent probability (they are heuristics, not calibrated).
/// </summary>
public sealed record ReviewOptions
{
    /// <summary>Low class margin: class score − the query's runner-up class score below this; severity (limit − margin) / limit, 1 at margin ≤ 0.</summary>
    public double ClassMarginBelow { get; init; } = 0.3;

    /// <summary>Near the threshold: score − score threshold below this; severity 1 − (score − threshold) / band.</summary>
    public double NearThresholdBand { get; init; } = 0.1;

    /// <summary>Box–mask disagreement: IoU of the model's box with the mask's tight box below this; severity (limit − IoU) / limit.</summary>
    public double BoxMaskIouBelow { get; init; } = 0.7;

    /// <summary>Many parts: a mask of at least this many 4-connected parts; severity (parts − limit + 1) / limit, at most 1.</summary>
    public int PartsFrom { get; init; } = 3;

    public ReviewWeights Weights { get; init; } = new();
}

/// <summary>The largest contribution of each reason (its weight at severity 1).</summary>
public sealed record ReviewWeights
{
    public double LowClassMargin { get; init; } = 0.5;

    public double NearThreshold { get; init; } = 0.3;

    public double BoxMaskDisagreement { get; init; } = 0.5;

    public double ManyParts { get; init; } = 0.3;

    public double NoInstance { get; init; } = 0.6;

    public double Of(ReviewReasonKind kind) => kind switch
    {
        ReviewReasonKind.LowClassMargin => LowClassMargin,
        ReviewReasonKind.NearThreshold => NearThreshold,
        ReviewReasonKind.BoxMaskDisagreement => BoxMaskDisagreement,
        ReviewReasonKind.ManyParts => ManyParts,
        ReviewReasonKind.NoInstance => NoInstance,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
