// Hungarian matcher (model.md §9.1): per image, the weighted cost matrix of one prediction set against that image's
// ground truth, then an optimal one-to-one assignment (LinearSumAssignment). Runs without gradient. DI aux sets are
// matched with class + box + GIoU costs only (MatchCosts.ClassBox).
using DiMaskDino.Model.Losses;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Matching;

/// <summary>Which costs enter the matching (model.md §7.5 "matcher costs").</summary>
public enum MatchCosts
{
    /// <summary>class + L1 box + GIoU + mask BCE + dice: every set with masks.</summary>
    ClassBoxMask,

    /// <summary>class + L1 box + GIoU: the DI aux sets.</summary>
    ClassBox,
}

/// <summary>
/// The matched pairs of one image: query <c>Queries[k]</c> ↔ target <c>Targets[k]</c>, sorted by query. Empty when
/// the image has no ground truth. Arrays are owned by the record; compare contents, not references.
/// </summary>
public sealed record ImageMatch(int[] Queries, int[] Targets)
{
    public static ImageMatch Empty { get; } = new([], []);

    public int Count => Queries.Length;
}

/// <summary>Optimal bipartite matching between predictions and ground truth, one image at a time.</summary>
public sealed class HungarianMatcher
{
    private readonly LossWeights _costWeights;
    private readonly int _points;

    /// <param name="costWeights">cost weights: class 4, bbox 5, giou 2, mask 5, dice 5 (the loss weights).</param>
    /// <param name="points">uniform points per image for the mask costs (12 544 paper, 1 024 TINY).</param>
    public HungarianMatcher(LossWeights costWeights, int points)
    {
        ArgumentNullException.ThrowIfNull(costWeights);
        ArgumentOutOfRangeException.ThrowIfLessThan(points, 1);
        _costWeights = costWeights;
        _points = points;
    }

    /// <summary>Matches every image of the batch independently.</summary>
    /// <param name="predictions">logits [B, Q, C], boxes [B, Q, 4] cxcywh, masks [B, Q, h, w] (needed unless
    /// <paramref name="costs"/> is <see cref="MatchCosts.ClassBox"/>)</param>
    /// <param name="targets">B images; masks at full resolution, bool or float</param>
    /// <param name="costs">which cost terms to use</param>
    /// <param name="generator">draws the P shared points of each image with ground truth (mask costs only; one draw of
    /// [1, P, 2] per such image, in image order)</param>
    /// <returns>B matches, each sorted by query.</returns>
    public IReadOnlyList<ImageMatch> Match(
        PredictionSet predictions, IReadOnlyList<ImageTarget> targets, MatchCosts costs, Generator? generator)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        ArgumentNullException.ThrowIfNull(targets);
        if (targets.Count != predictions.BatchSize)
        {
            throw new ArgumentException(
                $"{targets.Count} targets for a batch of {predictions.BatchSize} images", nameof(targets));
        }

        using var noGrad = no_grad();
        var matches = new ImageMatch[targets.Count];
        for (var b = 0; b < targets.Count; b++)
        {
            if (targets[b].Count == 0)
            {
                matches[b] = ImageMatch.Empty;
                continue;
            }

            using var scope = NewDisposeScope();
            var cost = CostMatrix(
                predictions.Logits[b], predictions.Boxes[b], predictions.Masks?[b], targets[b], costs, generator);
            var values = cost.cpu().to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
            var assignment = LinearSumAssignment.Solve(values, (int)cost.shape[0], (int)cost.shape[1]);
            matches[b] = new ImageMatch(assignment.Rows, assignment.Columns);
        }

        return matches;
    }

    /// <summary>
    /// C = w_class·cost_class + w_bbox·cost_bbox + w_giou·cost_giou (+ w_mask·cost_mask + w_dice·cost_dice) for one
    /// image (model.md §9.1). For the mask costs P points are drawn uniformly in [0,1]² once and shared by all
    /// predictions and targets; predicted logits and GT masks (as float) are sampled bilinearly there.
    /// </summary>
    /// <param name="logits">[Q, C] class logits</param>
    /// <param name="boxes">[Q, 4] cxcywh</param>
    /// <param name="masks">[Q, h, w] mask logits, or null with <see cref="MatchCosts.ClassBox"/></param>
    /// <param name="target">the image's ground truth (N ≥ 1 objects)</param>
    /// <returns>[Q, N] float32</returns>
    public Tensor CostMatrix(
        Tensor logits, Tensor boxes, Tensor? masks, ImageTarget target, MatchCosts costs, Generator? generator)
    {
        using var scope = NewDisposeScope();
        var cost = _costWeights.Ce * MatchingCosts.Class(logits.sigmoid(), target.Labels)
            + _costWeights.Bbox * MatchingCosts.BoxL1(boxes, target.Boxes)
            + _costWeights.Giou * MatchingCosts.NegativeGiou(boxes, target.Boxes); // [Q, N]
        if (costs == MatchCosts.ClassBoxMask)
        {
            if (masks is null || generator is null)
            {
                throw new ArgumentException("mask costs need predicted masks and a generator for the sample points");
            }

            var points = PointSampling.UniformPoints(1, _points, generator).squeeze(0); // [P, 2] shared
            var predictedPoints = PointSampling.Sample(masks, points); // [Q, P]
            var targetPoints = PointSampling.Sample(target.Masks.to_type(ScalarType.Float32), points); // [N, P]
            cost = cost
                + _costWeights.Mask * MatchingCosts.MaskBce(predictedPoints, targetPoints)
                + _costWeights.Dice * MatchingCosts.Dice(predictedPoints, targetPoints);
        }

        return cost.MoveToOuterDisposeScope();
    }
}
