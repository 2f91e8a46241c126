using DiMaskDino.Coco.Evaluation;
using DiMaskDino.Pipeline.Checkpoints;
using DiMaskDino.Pipeline.Jobs;

namespace DiMaskDino.Functions.Tests.Checkpoints;

public sealed class CheckpointComparerTests
{
    private static readonly CheckpointEvaluation Evaluation =
        new("eval-shapes-val-0123456789abcdef", new ModelReference(ModelLocation.Blob, "new.onnx", "\"0x1\""), "shapes-val", ToleranceAp: 0.5);

    private static readonly BestModelPointer Best = new("eval-old", new ModelReference(ModelLocation.Blob, "old.onnx", "\"0x0\""), 0.400, 0.420);

    [Fact]
    public void First_model_is_better_and_has_no_deltas()
    {
        var comparison = CheckpointComparer.Compare(Evaluation, Report(0.30, 0.35), best: null, bestReport: null);

        Assert.Equal(CheckpointVerdict.Better, comparison.Verdict);
        Assert.Equal("first model evaluated on this dataset", comparison.Reason);
        Assert.All(comparison.Bbox, m => Assert.Null(m.Delta));
        Assert.Equal(12, comparison.Bbox.Count);
        Assert.Equal(12, comparison.Segm.Count);
    }

    [Theory]
    [InlineData(0.406, 0.420, CheckpointVerdict.Better)] // box +0.6 AP points
    [InlineData(0.404, 0.424, CheckpointVerdict.Same)] // +0.4, +0.4: within tolerance
    [InlineData(0.410, 0.414, CheckpointVerdict.Regression)] // box +1.0 but mask -0.6
    [InlineData(0.396, 0.420, CheckpointVerdict.Same)] // box -0.4: within tolerance
    [InlineData(0.394, 0.430, CheckpointVerdict.Regression)] // box -0.6 outweighs the mask gain
    public void Verdict_follows_the_tolerance_rule(double apBox, double apMask, CheckpointVerdict expected)
    {
        var comparison = CheckpointComparer.Compare(Evaluation, Report(apBox, apMask), Best, Report(0.400, 0.420));

        Assert.Equal(expected, comparison.Verdict);
    }

    [Fact]
    public void Deltas_cover_every_stat_every_category_and_the_balance()
    {
        var comparison = CheckpointComparer.Compare(Evaluation, Report(0.45, 0.40, categoryAp: 0.5), Best, Report(0.40, 0.42, categoryAp: 0.25));

        Assert.Equal("AP", comparison.Bbox[0].Metric);
        Assert.Equal(0.05, comparison.Bbox[0].Delta!.Value, 9);
        Assert.Equal(-0.02, comparison.Segm[0].Delta!.Value, 9);
        Assert.Null(comparison.Bbox[11].Delta); // ARl undefined (-1) in both

        var category = Assert.Single(comparison.PerCategory, c => c.CategoryId == 2);
        Assert.Equal("square", category.Name);
        Assert.Equal(0.25, category.ApBoxDelta!.Value, 9);
        Assert.Equal(0.25, category.ApMaskDelta!.Value, 9);
        var onlyInBest = Assert.Single(comparison.PerCategory, c => c.CategoryId == 9);
        Assert.Null(onlyInBest.ApBoxCandidate);
        Assert.Null(onlyInBest.ApBoxDelta);

        Assert.Equal(0.05, comparison.Balance.GapCandidate!.Value, 9); // 0.45 - 0.40
        Assert.Equal(-0.02, comparison.Balance.GapBest!.Value, 9); // 0.40 - 0.42
        Assert.Equal(0.07, comparison.Balance.GapChange!.Value, 9);
        Assert.Equal(CheckpointVerdict.Regression, comparison.Verdict); // mask -2.0 points
    }

    [Fact]
    public void Undefined_candidate_AP_is_a_regression()
    {
        var comparison = CheckpointComparer.Compare(Evaluation, Report(-1, 0.4), Best, Report(0.4, 0.42));

        Assert.Equal(CheckpointVerdict.Regression, comparison.Verdict);
    }

    [Fact]
    public void Markdown_states_the_verdict_and_the_deltas_in_AP_points()
    {
        var markdown = ComparisonMarkdown.Write(CheckpointComparer.Compare(Evaluation, Report(0.45, 0.43), Best, Report(0.40, 0.42)));

        Assert.Contains("- Verdict: **better**", markdown, StringComparison.Ordinal);
        Assert.Contains("| AP | 45.00 | 40.00 | +5.00 |", markdown, StringComparison.Ordinal);
        Assert.Contains("| 2 | square |", markdown, StringComparison.Ordinal);
        Assert.Contains("Compared with: `models/old.onnx`", markdown, StringComparison.Ordinal);
    }

    /// <summary>A report with AP = <paramref name="apBox"/>/<paramref name="apMask"/>, the other stats derived, ARl undefined.</summary>
    private static ReportNumbers Report(double apBox, double apMask, double categoryAp = 0.3)
    {
        static IouTypeNumbers Type(double ap, double categoryAp, bool withExtraCategory) => new(
            [ap, ap + 0.2, ap + 0.05, ap / 2, ap, ap * 1.2, 0.3, 0.5, 0.55, 0.2, 0.5, -1],
            CocoEvaluation.StatNames,
            withExtraCategory ? [new(2, "square", categoryAp), new(9, "star", 0.1)] : [new(2, "square", categoryAp)]);

        var isBest = categoryAp == 0.25;
        return new ReportNumbers(Type(apBox, categoryAp, isBest), Type(apMask, categoryAp, isBest));
    }
}
