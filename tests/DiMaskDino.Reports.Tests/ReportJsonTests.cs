using System.Text.Json;
using DiMaskDino.Coco.Evaluation;

namespace DiMaskDino.Reports.Tests;

public sealed class ReportJsonTests
{
    private static readonly ReportContext Context = new()
    {
        GroundTruth = "gt.json",
        Detections = "dt.json",
        Model = "di-maskdino-r50",
        CreatedAt = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.FromHours(1)),
        ToolVersion = "1.2.3",
    };

    private static JsonElement Parse(EvaluationReport report) => JsonDocument.Parse(ReportJson.Serialize(report)).RootElement;

    private static double[] Numbers(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetDouble())];

    [Fact]
    public void Stats_are_the_twelve_numbers_of_the_evaluation_exactly_with_minus_one_kept()
    {
        var box = Evaluations.Golden(IouType.Bbox);
        var mask = Evaluations.Golden(IouType.Segm);
        var json = Parse(EvaluationReport.Create([box, mask], Context));

        Assert.Equal(box.Stats, Numbers(json.GetProperty("bbox").GetProperty("stats")));
        Assert.Equal(mask.Stats, Numbers(json.GetProperty("segm").GetProperty("stats")));
        Assert.Contains(-1.0, box.Stats);
        Assert.Equal(CocoEvaluation.StatNames, json.GetProperty("bbox").GetProperty("stat_names").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(box.SummaryText, json.GetProperty("bbox").GetProperty("summary").GetString());
    }

    [Fact]
    public void Top_level_has_the_evaluated_types_balance_and_inputs_in_that_order()
    {
        var both = Parse(EvaluationReport.Create([Evaluations.Golden(IouType.Bbox), Evaluations.Golden(IouType.Segm)], Context));
        var boxOnly = Parse(EvaluationReport.Create([Evaluations.Golden(IouType.Bbox)], new ReportContext()));

        Assert.Equal(["bbox", "segm", "balance", "inputs"], both.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["bbox", "inputs"], boxOnly.EnumerateObject().Select(p => p.Name));
        Assert.Empty(boxOnly.GetProperty("inputs").EnumerateObject());
    }

    [Fact]
    public void Iou_type_section_has_snake_case_fields_and_null_for_undefined()
    {
        var json = Parse(EvaluationReport.Create([Evaluations.Synthetic(IouType.Bbox)], Context)).GetProperty("bbox");

        Assert.Equal(["stats", "stat_names", "summary", "settings", "per_category", "pr_curves"], json.EnumerateObject().Select(p => p.Name));
        var unused = json.GetProperty("per_category").EnumerateArray().Single(c => c.GetProperty("category_id").GetInt32() == 3);
        Assert.Equal(["category_id", "name", "ap", "ap50", "ap75", "aps", "apm", "apl", "ar100"], unused.EnumerateObject().Select(p => p.Name));
        Assert.Equal(JsonValueKind.Null, unused.GetProperty("ap75").ValueKind);

        var curves = json.GetProperty("pr_curves");
        Assert.Equal(["area", "max_dets", "recall_thresholds", "iou50", "iou75", "iou_mean", "per_category_iou50"], curves.EnumerateObject().Select(p => p.Name));
        Assert.Equal(101, curves.GetProperty("iou_mean").GetArrayLength());
        Assert.Equal(0.5, curves.GetProperty("recall_thresholds")[50].GetDouble());
    }

    [Fact]
    public void Balance_and_inputs_read_as_documented()
    {
        var json = Parse(EvaluationReport.Create([Evaluations.Synthetic(IouType.Bbox), Evaluations.Synthetic(IouType.Segm)], Context));

        var balance = json.GetProperty("balance");
        Assert.Equal("box", balance.GetProperty("ahead").GetString());
        var ap = balance.GetProperty("overall")[0];
        Assert.Equal("AP", ap.GetProperty("metric").GetString());
        Assert.Equal(ap.GetProperty("box").GetDouble() - ap.GetProperty("mask").GetDouble(), ap.GetProperty("gap").GetDouble());
        Assert.Equal("bar, wide", balance.GetProperty("per_category")[1].GetProperty("name").GetString());

        var inputs = json.GetProperty("inputs");
        Assert.Equal("2025-01-02T03:04:05+01:00", inputs.GetProperty("created_at").GetString());
        Assert.Equal("1.2.3", inputs.GetProperty("tool_version").GetString());
        Assert.Equal("gt.json", inputs.GetProperty("ground_truth").GetString());
    }

    [Fact]
    public void Same_input_gives_the_same_bytes_with_unix_line_ends_and_a_final_newline()
    {
        byte[] Run() => ReportJson.Serialize(EvaluationReport.Create([Evaluations.Golden(IouType.Bbox), Evaluations.Golden(IouType.Segm)], Context));
        var first = Run();

        Assert.Equal(first, Run());
        Assert.DoesNotContain((byte)'\r', first);
        Assert.Equal((byte)'\n', first[^1]);
        Assert.NotEqual(0xEF, first[0]);
    }
}
