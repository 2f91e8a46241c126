// Hungarian matcher: class cost (§14.2 item 12), weights, optimality, empty targets, batched = per image (model.md §9.1).
using DiMaskDino.Model.Losses;
using DiMaskDino.Model.Matching;
using DiMaskDino.Model.Tests.Losses;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.Matching;

public sealed class HungarianMatcherTests
{
    private const int Points = 256;

    private readonly HungarianMatcher _matcher = new(LossWeights.Paper, Points);

    [Fact]
    public void Class_cost_at_probability_one_half_is_minus_0_086643()
    {
        using var scope = NewDisposeScope();
        var cost = MatchingCosts.Class(full(1L, 1L, 0.5f), tensor(new long[] { 0 }));

        // 0.25·0.25·ln2 − 0.75·0.25·ln2 (model.md §14.2 item 12)
        Assert.Equal(-0.086643, cost.item<float>(), 6);
    }

    [Fact]
    public void Matcher_picks_the_obvious_assignment_on_a_constructed_case()
    {
        using var scope = NewDisposeScope();
        // Target 0: class 1, rows/cols 4..15 of the 32² canvas; target 1: class 0, rows 12..31, cols 20..27.
        var target = Target(
            (1, 4, 4, 16, 16),
            (0, 20, 12, 28, 32));
        // Query 2 reproduces target 0, query 0 reproduces target 1, query 1 is a vague guess.
        var logits = tensor(new[] { 8f, -8f, 0f, 0f, -8f, 8f }).reshape(1, 3, 2);
        var boxes = stack([Box(20, 12, 28, 32), tensor(new[] { 0.5f, 0.5f, 0.9f, 0.9f }), Box(4, 4, 16, 16)]).unsqueeze(0);
        var masks = stack([MaskLogits(20, 12, 28, 32), zeros(8, 8), MaskLogits(4, 4, 16, 16)]).unsqueeze(0);
        using var generator = new Generator(1);

        var match = _matcher.Match(new PredictionSet(logits, boxes, masks), [target], MatchCosts.ClassBoxMask, generator)[0];

        Assert.Equal([0, 2], match.Queries);
        Assert.Equal([1, 0], match.Targets);
    }

    [Fact]
    public void Image_without_targets_gets_an_empty_match_and_the_others_are_still_matched()
    {
        using var scope = NewDisposeScope();
        manual_seed(2);
        var random = new Random(2);
        var targets = new[] { CriterionTestData.Target(0, 3, random), CriterionTestData.Target(2, 3, random) };
        var predictions = CriterionTestData.Predictions(2, 5, 3);
        using var generator = new Generator(3);

        var matches = _matcher.Match(predictions, targets, MatchCosts.ClassBoxMask, generator);

        Assert.Equal(0, matches[0].Count);
        Assert.Equal(2, matches[1].Count);
        Assert.Equal([0, 1], matches[1].Targets.Order());
    }

    [Theory]
    [InlineData(MatchCosts.ClassBoxMask)]
    [InlineData(MatchCosts.ClassBox)]
    public void Batched_matching_equals_matching_each_image_alone(MatchCosts costs)
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        var random = new Random(4);
        var targets = new[] { 2, 0, 3 }.Select(n => CriterionTestData.Target(n, 4, random)).ToArray();
        var predictions = CriterionTestData.Predictions(3, 5, 4);
        using var batchedGenerator = new Generator(9);
        using var singleGenerator = new Generator(9);

        var batched = _matcher.Match(predictions, targets, costs, batchedGenerator);
        for (var b = 0; b < 3; b++)
        {
            var single = new PredictionSet(
                predictions.Logits.narrow(0, b, 1), predictions.Boxes.narrow(0, b, 1), predictions.Masks!.narrow(0, b, 1));
            var alone = _matcher.Match(single, [targets[b]], costs, singleGenerator)[0];

            Assert.Equal(alone.Queries, batched[b].Queries);
            Assert.Equal(alone.Targets, batched[b].Targets);
        }
    }

    [Fact]
    public void Cost_matrix_weights_are_4_class_5_l1_2_giou_5_mask_5_dice_and_the_match_is_optimal()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var random = new Random(5);
        var target = CriterionTestData.Target(3, 4, random);
        var predictions = CriterionTestData.Predictions(1, 5, 4);
        var (logits, boxes, masks) = (predictions.Logits[0], predictions.Boxes[0], predictions.Masks![0]);

        using var generator = new Generator(21);
        var cost = _matcher.CostMatrix(logits, boxes, masks, target, MatchCosts.ClassBoxMask, generator);

        using var replay = new Generator(21);
        var points = PointSampling.UniformPoints(1, Points, replay).squeeze(0);
        var predicted = PointSampling.Sample(masks, points);
        var labels = PointSampling.Sample(target.Masks.to_type(ScalarType.Float32), points);
        var expected = 4 * MatchingCosts.Class(logits.sigmoid(), target.Labels)
            + 5 * MatchingCosts.BoxL1(boxes, target.Boxes)
            + 2 * MatchingCosts.NegativeGiou(boxes, target.Boxes)
            + 5 * MatchingCosts.MaskBce(predicted, labels)
            + 5 * MatchingCosts.Dice(predicted, labels);
        Assert.Equal(new long[] { 5, 3 }, cost.shape);
        Assert.True(allclose(cost, expected, rtol: 1e-5, atol: 1e-5));

        using var again = new Generator(21);
        var match = _matcher.Match(predictions, [target], MatchCosts.ClassBoxMask, again)[0];
        var values = cost.to_type(ScalarType.Float64).data<double>().ToArray();
        var achieved = match.Queries.Zip(match.Targets).Sum(p => values[p.First * 3 + p.Second]);
        var best = double.PositiveInfinity;
        foreach (var perm in Arrangements(5, 3))
        {
            best = Math.Min(best, perm.Select((q, t) => values[q * 3 + t]).Sum());
        }

        Assert.Equal(best, achieved, 6);
    }

    [Fact]
    public void Point_costs_agree_with_per_pair_bce_and_dice()
    {
        using var scope = NewDisposeScope();
        manual_seed(6);
        var predicted = randn(3, 40);
        var labels = (rand(2, 40) > 0.5f).to_type(ScalarType.Float32);

        var bce = MatchingCosts.MaskBce(predicted, labels);
        var dice = MatchingCosts.Dice(predicted, labels);

        for (var q = 0; q < 3; q++)
        {
            for (var t = 0; t < 2; t++)
            {
                var x = predicted[q].unsqueeze(0);
                var y = labels[t].unsqueeze(0);
                Assert.Equal(MaskLosses.SigmoidCe(x, y, 1).item<float>(), bce[q, t].item<float>(), 5);
                Assert.Equal(MaskLosses.Dice(x, y, 1).item<float>(), dice[q, t].item<float>(), 5);
            }
        }
    }

    [Fact]
    public void Matching_leaves_no_live_tensors_and_needs_no_gradient()
    {
        using var scope = NewDisposeScope();
        manual_seed(9);
        var random = new Random(9);
        var targets = new[] { CriterionTestData.Target(2, 3, random), CriterionTestData.Target(1, 3, random) };
        var predictions = CriterionTestData.Predictions(2, 4, 3);
        using var generator = new Generator(9);
        TorchSharp.DisposeScopeManager.Statistics.Reset();

        _matcher.Match(predictions, targets, MatchCosts.ClassBoxMask, generator);

        Assert.Equal(0, TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        Assert.Null(predictions.Logits.grad);
        Assert.True(is_grad_enabled(), "grad mode is restored after matching");
    }

    [Fact]
    public void Mask_costs_without_masks_are_refused()
    {
        using var scope = NewDisposeScope();
        var random = new Random(7);
        var predictions = CriterionTestData.Predictions(1, 4, 2, withMasks: false);
        using var generator = new Generator(1);

        Assert.Throws<ArgumentException>(() => _matcher.Match(
            predictions, [CriterionTestData.Target(1, 2, random)], MatchCosts.ClassBoxMask, generator));
    }

    private static ImageTarget Target(params (int Label, int X0, int Y0, int X1, int Y1)[] objects)
    {
        var masks = zeros([objects.Length, 32, 32], dtype: ScalarType.Bool);
        for (var i = 0; i < objects.Length; i++)
        {
            var o = objects[i];
            masks[i].narrow(0, o.Y0, o.Y1 - o.Y0).narrow(1, o.X0, o.X1 - o.X0).fill_(true);
        }

        return new ImageTarget(
            tensor(objects.Select(o => (long)o.Label).ToArray()),
            stack(objects.Select(o => Box(o.X0, o.Y0, o.X1, o.Y1)).ToArray()),
            masks);
    }

    /// <summary>cxcywh of a pixel rectangle on the 32² canvas.</summary>
    private static Tensor Box(int x0, int y0, int x1, int y1) =>
        tensor(new[] { (x0 + x1) / 64f, (y0 + y1) / 64f, (x1 - x0) / 32f, (y1 - y0) / 32f });

    /// <summary>Stride-4 logits: +10 inside the rectangle, −10 outside.</summary>
    private static Tensor MaskLogits(int x0, int y0, int x1, int y1)
    {
        var logits = full(8L, 8L, -10f);
        logits.narrow(0, y0 / 4, (y1 - y0) / 4).narrow(1, x0 / 4, (x1 - x0) / 4).fill_(10f);
        return logits;
    }

    private static IEnumerable<int[]> Arrangements(int n, int k)
    {
        if (k == 0)
        {
            yield return [];
            yield break;
        }

        foreach (var rest in Arrangements(n, k - 1))
        {
            for (var i = 0; i < n; i++)
            {
                if (!rest.Contains(i))
                {
                    yield return [.. rest, i];
                }
            }
        }
    }
}
