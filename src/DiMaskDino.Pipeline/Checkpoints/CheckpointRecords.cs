using System.Text.Json.Serialization;
using DiMaskDino.Pipeline.Jobs;

namespace DiMaskDino.Pipeline.Checkpoints;

/// <summary>
/// <c>reports/checkpoints/evaluations/{jobId}.json</c>: written when a checkpoint's evaluation job is submitted, so
/// whoever finalizes the job (or the janitor, later) knows to compare it with the best model.
/// </summary>
public sealed record CheckpointEvaluation(string JobId, ModelReference Model, string Dataset, double ToleranceAp);

/// <summary><c>reports/checkpoints/{dataset}/best.json</c>: the best model so far on an evaluation dataset.</summary>
/// <param name="ApBox">AP (IoU .50:.95, area all) of the bbox evaluation, 0-1, null when undefined</param>
/// <param name="ApMask">same for segm</param>
public sealed record BestModelPointer(string JobId, ModelReference Model, double? ApBox, double? ApMask);

/// <summary>One metric of one IoU type in both evaluations; <see cref="Delta"/> = candidate − best (0-1 scale), null when either is undefined.</summary>
public sealed record MetricDelta(string Metric, double? Candidate, double? Best, double? Delta);

/// <summary>One category's AP (IoU .50:.95, area all) for box and mask in both evaluations.</summary>
public sealed record CategoryDelta(
    int CategoryId, string Name, double? ApBoxCandidate, double? ApBoxBest, double? ApBoxDelta, double? ApMaskCandidate, double? ApMaskBest, double? ApMaskDelta);

/// <summary>APbox − APmask of both models and how it moved (DI-MaskDINO's point is closing this gap).</summary>
public sealed record BalanceDelta(double? GapCandidate, double? GapBest, double? GapChange);

/// <summary><c>reports/{jobId}/comparison.json</c>: the checkpoint against the best model before it, and the verdict.</summary>
public sealed record CheckpointComparison
{
    public required string JobId { get; init; }
    public required ModelReference Model { get; init; }
    public required string Dataset { get; init; }

    /// <summary>The best model it was compared with; null for the first model evaluated on the dataset.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public BestModelPointer? Best { get; init; }

    public required CheckpointVerdict Verdict { get; init; }

    /// <summary>The rule's reasoning in one sentence.</summary>
    public required string Reason { get; init; }

    public required double ToleranceAp { get; init; }

    /// <summary>The 12 COCO stats of the bbox evaluation.</summary>
    public required IReadOnlyList<MetricDelta> Bbox { get; init; }

    /// <summary>The 12 COCO stats of the segm evaluation.</summary>
    public required IReadOnlyList<MetricDelta> Segm { get; init; }

    public required IReadOnlyList<CategoryDelta> PerCategory { get; init; }

    public required BalanceDelta Balance { get; init; }
}
