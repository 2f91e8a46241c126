using System.Globalization;

namespace DiMaskDino.Pipeline.Review;

/// <summary>
/// Scores one labeled image for the review queue (docs/review.md): finds each reason on each instance (or the image's
/// lack of instances), grades it and combines the contributions into the image's score. Pure: the same measures give
/// the same entry, to the bit.
/// </summary>
public sealed class ReviewScorer
{
    private readonly ReviewOptions _options;
    private readonly double _scoreThreshold;
    private readonly Func<int, string> _categoryName;

    /// <param name="scoreThreshold">The job's score threshold (instances below it were not kept).</param>
    /// <param name="categoryName">Name of a category id, for the reasons' text.</param>
    public ReviewScorer(ReviewOptions options, double scoreThreshold, Func<int, string> categoryName)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(categoryName);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.ClassMarginBelow);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.NearThresholdBand);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.BoxMaskIouBelow);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.PartsFrom, 2);
        _options = options;
        _scoreThreshold = scoreThreshold;
        _categoryName = categoryName;
    }

    /// <summary>The image's entry, with rank 0 (ranks are given by <see cref="ReviewQueue"/>).</summary>
    public ReviewedImage Score(string fileName, long imageId, int width, int height, IReadOnlyList<InstanceMeasures> instances)
    {
        ArgumentNullException.ThrowIfNull(instances);
        var reasons = new List<ReviewReason>();
        if (instances.Count == 0)
        {
            Add(reasons, ReviewReasonKind.NoInstance, null, null, 0, 1, () => "no instance found");
        }

        for (int i = 0; i < instances.Count; i++)
        {
            Find(i, instances[i], reasons);
        }

        reasons.Sort(static (a, b) =>
        {
            int order = b.Contribution.CompareTo(a.Contribution);
            order = order != 0 ? order : Nullable.Compare(a.Instance, b.Instance);
            return order != 0 ? order : a.Kind.CompareTo(b.Kind);
        });
        double keep = 1;
        foreach (var reason in reasons)
        {
            keep *= 1 - reason.Contribution;
        }

        return new ReviewedImage(0, fileName, imageId, width, height, instances.Count, Round(1 - keep), reasons);
    }

    private void Find(int index, InstanceMeasures instance, List<ReviewReason> reasons)
    {
        var o = _options;
        var what = $"instance {index} ({_categoryName(instance.CategoryId)}, score {F(instance.Score, 3)})";
        if (instance.ClassMargin is { } classes)
        {
            Add(
                reasons, ReviewReasonKind.LowClassMargin, index, instance.CategoryId, classes.Margin, (o.ClassMarginBelow - classes.Margin) / o.ClassMarginBelow,
                () => $"{what}: class {F(classes.ClassScore, 3)} vs {_categoryName(classes.RunnerUpCategoryId)} {F(classes.RunnerUpScore, 3)} (margin {F(classes.Margin, 3)})");
        }

        Add(
            reasons, ReviewReasonKind.NearThreshold, index, instance.CategoryId, instance.Score, 1 - ((instance.Score - _scoreThreshold) / o.NearThresholdBand),
            () => $"{what}: within {F(o.NearThresholdBand, 3)} of the score threshold {F(_scoreThreshold, 3)}");
        Add(
            reasons, ReviewReasonKind.BoxMaskDisagreement, index, instance.CategoryId, instance.BoxMaskIou, (o.BoxMaskIouBelow - instance.BoxMaskIou) / o.BoxMaskIouBelow,
            () => $"{what}: the model's box and the mask's box overlap at IoU {F(instance.BoxMaskIou, 2)}");
        Add(
            reasons, ReviewReasonKind.ManyParts, index, instance.CategoryId, instance.Parts, (double)(instance.Parts - o.PartsFrom + 1) / o.PartsFrom,
            () => $"{what}: the mask is in {instance.Parts} parts");
    }

    // A reason fires when its severity, clamped to [0, 1] and rounded to 6 decimals, is above 0 (so a value a rounding
    // error past its limit does not fire); NaN measures never fire.
    private void Add(List<ReviewReason> reasons, ReviewReasonKind kind, int? instance, int? categoryId, double value, double severity, Func<string> text)
    {
        severity = Round(Math.Clamp(severity, 0, 1));
        if (severity > 0)
        {
            reasons.Add(new ReviewReason(kind, instance, categoryId, Round(value), severity, Round(_options.Weights.Of(kind) * severity), text()));
        }
    }

    private static double Round(double value) => Math.Round(value, 6, MidpointRounding.ToEven);

    private static string F(double value, int decimals) => value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}
