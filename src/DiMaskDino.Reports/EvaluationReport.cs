using System.Text.Json.Serialization;
using DiMaskDino.Coco.Evaluation;

namespace DiMaskDino.Reports;

/// <summary>
/// The evaluation report: one section per evaluated IoU type (absent when not evaluated), the detection–segmentation
/// balance when both were evaluated, and what the report was made from. Serialized as report.json in this shape.
/// </summary>
public sealed record EvaluationReport(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IouTypeReport? Bbox,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IouTypeReport? Segm,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] BalanceReport? Balance,
    ReportContext Inputs)
{
    /// <summary>The evaluated IoU types, bbox first.</summary>
    [JsonIgnore]
    public IEnumerable<IouTypeReport> IouTypes => new[] { Bbox, Segm }.OfType<IouTypeReport>();

    /// <param name="evaluations">one or two evaluations of distinct IoU types, in any order</param>
    public static EvaluationReport Create(IReadOnlyList<CocoEvaluation> evaluations, ReportContext context)
    {
        ArgumentNullException.ThrowIfNull(evaluations);
        ArgumentNullException.ThrowIfNull(context);
        if (evaluations.Count == 0)
        {
            throw new ArgumentException("A report needs at least one evaluation.", nameof(evaluations));
        }

        IouTypeReport? bbox = null, segm = null;
        foreach (var evaluation in evaluations)
        {
            ArgumentNullException.ThrowIfNull(evaluation, nameof(evaluations));
            ref var slot = ref evaluation.IouType == IouType.Bbox ? ref bbox : ref segm;
            if (slot is not null)
            {
                throw new ArgumentException($"More than one {evaluation.IouType} evaluation.", nameof(evaluations));
            }

            slot = IouTypeReport.Create(evaluation);
        }

        var balance = bbox is not null && segm is not null ? BalanceReport.Create(bbox, segm) : null;
        return new EvaluationReport(bbox, segm, balance, context);
    }
}
