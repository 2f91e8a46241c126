using DiMaskDino.Coco.Evaluation;

namespace DiMaskDino.Reports.Tests;

public sealed class EvaluationReportTests
{
    private const double Tolerance = 1e-12;

    private static EvaluationReport Both(Func<IouType, CocoEvaluation> evaluate) =>
        EvaluationReport.Create([evaluate(IouType.Bbox), evaluate(IouType.Segm)], new ReportContext());

    [Fact]
    public void Stats_and_summary_are_the_evaluations_own()
    {
        var box = Evaluations.Golden(IouType.Bbox);
        var mask = Evaluations.Golden(IouType.Segm);
        var report = EvaluationReport.Create([mask, box], new ReportContext());

        Assert.Equal(box.Stats, report.Bbox!.Stats);
        Assert.Equal(mask.Stats, report.Segm!.Stats);
        Assert.Equal(box.SummaryText, report.Bbox.Summary);
        Assert.Equal(CocoEvaluation.StatNames, report.Bbox.StatNames);
        Assert.Equal([IouType.Bbox, IouType.Segm], report.IouTypes.Select(t => t.IouType));
    }

    [Fact]
    public void Only_the_evaluated_iou_type_is_present_and_there_is_no_balance()
    {
        var report = EvaluationReport.Create([Evaluations.Golden(IouType.Segm)], new ReportContext());

        Assert.Null(report.Bbox);
        Assert.NotNull(report.Segm);
        Assert.Null(report.Balance);
    }

    [Fact]
    public void Two_evaluations_of_one_iou_type_are_rejected()
    {
        var box = Evaluations.Synthetic(IouType.Bbox);
        Assert.Throws<ArgumentException>(() => EvaluationReport.Create([box, box], new ReportContext()));
        Assert.Throws<ArgumentException>(() => EvaluationReport.Create([], new ReportContext()));
    }

    [Theory]
    [InlineData(IouType.Bbox)]
    [InlineData(IouType.Segm)]
    public void Per_category_ap75_equals_a_direct_mean_over_the_precision_array(IouType type)
    {
        foreach (var evaluation in new[] { Evaluations.Golden(type), Evaluations.Synthetic(type) })
        {
            var report = IouTypeReport.Create(evaluation);
            var arrays = evaluation.Arrays;
            var t = evaluation.Parameters.IouThresholds.ToList().FindIndex(x => Math.Abs(x - 0.75) < 1e-12);
            for (var k = 0; k < arrays.K; k++)
            {
                var defined = Enumerable.Range(0, arrays.R)
                    .Select(r => arrays.Precision[arrays.PrecisionIndex(t, r, k, 0, arrays.M - 1)])
                    .Where(p => p > -1)
                    .ToList();
                var actual = report.PerCategory[k].Ap75;
                if (defined.Count == 0)
                {
                    Assert.Null(actual);
                }
                else
                {
                    Assert.InRange(actual!.Value, defined.Average() - Tolerance, defined.Average() + Tolerance);
                }
            }
        }
    }

    [Theory]
    [InlineData(IouType.Bbox)]
    [InlineData(IouType.Segm)]
    public void With_one_category_its_row_equals_the_summary_numbers_bit_for_bit(IouType type)
    {
        var evaluation = Evaluations.SingleCategory(type);
        var row = Assert.Single(IouTypeReport.Create(evaluation).PerCategory);

        Assert.True(evaluation.Stats[2] is > 0 and < 1, "the case should make AP75 non-trivial");
        Assert.Equal(evaluation.Stats[0], row.Ap);
        Assert.Equal(evaluation.Stats[1], row.Ap50);
        Assert.Equal(evaluation.Stats[2], row.Ap75);
        Assert.Equal(evaluation.Stats[8], row.Ar100);
    }

    [Fact]
    public void Category_without_ground_truth_is_null_not_minus_one()
    {
        var report = IouTypeReport.Create(Evaluations.Synthetic(IouType.Bbox));
        var unused = report.PerCategory.Single(c => c.CategoryId == 3);

        Assert.Equal("unused", unused.Name);
        Assert.All(new[] { unused.Ap, unused.Ap50, unused.Ap75, unused.Aps, unused.Apm, unused.Apl, unused.Ar100 }, Assert.Null);
        Assert.Null(report.PrCurves.PerCategoryIou50.Single(c => c.CategoryId == 3).Precision);
    }

    [Theory]
    [InlineData(IouType.Bbox)]
    [InlineData(IouType.Segm)]
    public void Pr_curves_average_back_to_ap_ap50_and_ap75(IouType type)
    {
        var evaluation = Evaluations.Golden(type);
        var curves = IouTypeReport.Create(evaluation).PrCurves;

        Assert.Equal(("all", 100, 101), (curves.Area, curves.MaxDets, curves.RecallThresholds.Count));
        Assert.InRange(curves.IouMean!.Average(), evaluation.Stats[0] - Tolerance, evaluation.Stats[0] + Tolerance);
        Assert.InRange(curves.Iou50!.Average(), evaluation.Stats[1] - Tolerance, evaluation.Stats[1] + Tolerance);
        Assert.InRange(curves.Iou75!.Average(), evaluation.Stats[2] - Tolerance, evaluation.Stats[2] + Tolerance);
        Assert.Equal(evaluation.CategoryIds, curves.PerCategoryIou50.Select(c => c.CategoryId));
        Assert.All(curves.PerCategoryIou50, c => Assert.True(c.Precision is null || c.Precision.Count == 101));
    }

    [Fact]
    public void Balance_gaps_are_box_minus_mask_overall_and_per_category()
    {
        var report = Both(Evaluations.Golden);
        var balance = report.Balance!;

        Assert.Equal(["AP", "AP50", "AP75", "APs", "APm", "APl"], balance.Overall.Select(m => m.Metric));
        for (var i = 0; i < balance.Overall.Count; i++)
        {
            var (box, mask) = (report.Bbox!.Stats[i], report.Segm!.Stats[i]);
            var m = balance.Overall[i];
            Assert.Equal(box > -1 ? box : null, m.Box);
            Assert.Equal(mask > -1 ? mask : null, m.Mask);
            Assert.Equal(box > -1 && mask > -1 ? box - mask : null, m.Gap);
        }

        Assert.Equal(report.Bbox!.PerCategory.Count, balance.PerCategory.Count);
        foreach (var c in balance.PerCategory)
        {
            var box = report.Bbox.PerCategory.Single(r => r.CategoryId == c.CategoryId).Ap;
            var mask = report.Segm!.PerCategory.Single(r => r.CategoryId == c.CategoryId).Ap;
            Assert.Equal((box, mask, box - mask), (c.ApBox, c.ApMask, c.Gap));
        }
    }

    [Fact]
    public void Balance_sorts_by_gap_says_who_is_ahead_and_counts_categories()
    {
        var balance = Both(Evaluations.Synthetic).Balance!;

        // Category 1 has exact boxes and shrunk masks, category 2 shifted boxes and exact masks, category 3 no ground truth.
        Assert.Equal([1, 2, 3], balance.PerCategory.Select(c => c.CategoryId));
        Assert.True(balance.PerCategory[0].Gap > 0);
        Assert.True(balance.PerCategory[1].Gap < 0);
        Assert.Null(balance.PerCategory[2].Gap);
        Assert.Equal((1, 1, 0), (balance.CategoriesBoxAhead, balance.CategoriesMaskAhead, balance.CategoriesEven));
        var expected = balance.Overall[0].Gap > 0 ? BalanceLeader.Box : BalanceLeader.Mask;
        Assert.Equal(expected, balance.Ahead);
        Assert.StartsWith(expected == BalanceLeader.Box ? "Detection is ahead" : "Segmentation is ahead", balance.Verdict);
    }

    [Fact]
    public void Identical_box_and_mask_results_are_even()
    {
        var box = Evaluations.SingleCategory(IouType.Bbox);
        var mask = box with { Parameters = box.Parameters with { IouType = IouType.Segm } };
        var balance = EvaluationReport.Create([box, mask], new ReportContext()).Balance!;

        Assert.Equal(BalanceLeader.Even, balance.Ahead);
        Assert.Equal(0.0, balance.Overall[0].Gap);
        Assert.Equal((0, 0, 1), (balance.CategoriesBoxAhead, balance.CategoriesMaskAhead, balance.CategoriesEven));
    }
}
