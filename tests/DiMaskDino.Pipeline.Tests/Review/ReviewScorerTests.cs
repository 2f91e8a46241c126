using DiMaskDino.Coco;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Review;

namespace DiMaskDino.Pipeline.Tests.Review;

/// <summary>Each reason of the review queue on crafted instances: when it fires, its severity, and how reasons combine and order.</summary>
public sealed class ReviewScorerTests
{
    private const double Threshold = 0.5;

    // Sure of its class, well above the threshold, box and mask agree, one part: no reason.
    private static readonly InstanceMeasures Clean = new(1, 0.9, new ClassMargin(0.95, 2, 0.1), 0.95, 1);

    private static readonly ReviewScorer Scorer = new(new ReviewOptions(), Threshold, id => id switch { 1 => "circle", 2 => "square", _ => $"category {id}" });

    [Fact]
    public void A_clean_instance_has_no_reason_and_scores_0()
    {
        var image = Scorer.Score("a.png", 1, 10, 10, [Clean]);

        Assert.Empty(image.Reasons);
        Assert.Equal(0, image.Score);
        Assert.Equal(1, image.Instances);
    }

    [Fact]
    public void An_image_without_instances_fires_no_instance_at_full_weight()
    {
        var image = Scorer.Score("a.png", 1, 10, 10, []);

        var reason = Assert.Single(image.Reasons);
        Assert.Equal((ReviewReasonKind.NoInstance, (int?)null, 1.0, 0.6), (reason.Kind, reason.Instance, reason.Severity, reason.Contribution));
        Assert.Equal(0.6, image.Score);
    }

    [Theory]
    [InlineData(0.95, 0.80, 0.5)] // margin 0.15: half way below 0.3
    [InlineData(0.45, 0.55, 1.0)] // negative margin: the query prefers the runner-up
    [InlineData(0.60, 0.30, 0.0)] // margin exactly 0.3: not below the limit
    public void Low_class_margin_grades_by_how_far_below_the_limit(double classScore, double runnerUp, double severity)
    {
        var image = Scorer.Score("a.png", 1, 10, 10, [Clean with { ClassMargin = new ClassMargin(classScore, 2, runnerUp) }]);

        AssertOnly(image, ReviewReasonKind.LowClassMargin, severity);
        if (severity > 0)
        {
            Assert.Contains("vs square", image.Reasons[0].Text, StringComparison.Ordinal);
            Assert.Equal(Math.Round(classScore - runnerUp, 6), image.Reasons[0].Value);
        }
    }

    [Fact]
    public void Without_a_class_margin_the_reason_cannot_fire()
    {
        var image = Scorer.Score("a.png", 1, 10, 10, [Clean with { ClassMargin = null }]);

        Assert.Empty(image.Reasons);
    }

    [Theory]
    [InlineData(0.50, 1.0)]
    [InlineData(0.55, 0.5)]
    [InlineData(0.60, 0.0)]
    public void Near_threshold_grades_by_distance_above_the_threshold(double score, double severity)
    {
        var image = Scorer.Score("a.png", 1, 10, 10, [Clean with { Score = score }]);

        AssertOnly(image, ReviewReasonKind.NearThreshold, severity);
    }

    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(0.35, 0.5)]
    [InlineData(0.7, 0.0)]
    public void Box_mask_disagreement_grades_by_how_far_the_iou_is_below_the_limit(double iou, double severity)
    {
        var image = Scorer.Score("a.png", 1, 10, 10, [Clean with { BoxMaskIou = iou }]);

        AssertOnly(image, ReviewReasonKind.BoxMaskDisagreement, severity);
    }

    [Theory]
    [InlineData(2, 0.0)]
    [InlineData(3, 1.0 / 3)]
    [InlineData(4, 2.0 / 3)]
    [InlineData(9, 1.0)]
    public void Many_parts_fires_from_three_parts_and_saturates_at_five(int parts, double severity)
    {
        var image = Scorer.Score("a.png", 1, 10, 10, [Clean with { Parts = parts }]);

        AssertOnly(image, ReviewReasonKind.ManyParts, severity);
    }

    [Fact]
    public void Reasons_combine_as_a_noisy_or_and_are_listed_largest_first()
    {
        var bad = Clean with { Score = 0.5, BoxMaskIou = 0 };

        var image = Scorer.Score("a.png", 1, 10, 10, [Clean, bad]);

        Assert.Equal([ReviewReasonKind.BoxMaskDisagreement, ReviewReasonKind.NearThreshold], image.Reasons.Select(r => r.Kind));
        Assert.All(image.Reasons, r => Assert.Equal(1, r.Instance));
        Assert.Equal(1 - (0.5 * 0.7), image.Score, 12);
        Assert.StartsWith("instance 1 (circle, score 0.500)", image.Reasons[0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Weights_order_the_reasons_as_documented()
    {
        // At full severity: no instance 0.6 > low margin 0.5 = box–mask 0.5 > near threshold 0.3 = many parts 0.3 > clean 0.
        var scores = new[]
        {
            Scorer.Score("x", 1, 1, 1, []).Score,
            Scorer.Score("x", 1, 1, 1, [Clean with { ClassMargin = new ClassMargin(0.5, 2, 0.5) }]).Score,
            Scorer.Score("x", 1, 1, 1, [Clean with { BoxMaskIou = 0 }]).Score,
            Scorer.Score("x", 1, 1, 1, [Clean with { Score = Threshold }]).Score,
            Scorer.Score("x", 1, 1, 1, [Clean with { Parts = 5 }]).Score,
            Scorer.Score("x", 1, 1, 1, [Clean]).Score,
        };

        Assert.Equal([0.6, 0.5, 0.5, 0.3, 0.3, 0], scores);
    }

    [Fact]
    public void Weights_are_options()
    {
        var scorer = new ReviewScorer(new ReviewOptions { Weights = new ReviewWeights { ManyParts = 0.9 } }, Threshold, id => "c");

        Assert.Equal(0.9, scorer.Score("x", 1, 1, 1, [Clean with { Parts = 5 }]).Score);
    }

    private static void AssertOnly(ReviewedImage image, ReviewReasonKind kind, double severity)
    {
        if (severity == 0)
        {
            Assert.Empty(image.Reasons);
            Assert.Equal(0, image.Score);
            return;
        }

        var reason = Assert.Single(image.Reasons);
        var weight = new ReviewWeights().Of(kind);
        Assert.Equal((kind, (int?)0, (int?)1), (reason.Kind, reason.Instance, reason.CategoryId));
        Assert.Equal(severity, reason.Severity, 6);
        Assert.Equal(weight * severity, reason.Contribution, 6);
        Assert.Equal(weight * severity, image.Score, 6);
    }
}
