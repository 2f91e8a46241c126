using DiMaskDino.TestSupport;
using System.Text.Json;

namespace DiMaskDino.Cli.Tests;

public sealed class EvalCommandTests
{
    private static double[] GoldenStats(string caseName, string iouType)
    {
        using var golden = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(SharedFiles.GoldenCase(caseName), "golden.json")));
        return [.. golden.RootElement.GetProperty(iouType).GetProperty("stats").EnumerateArray().Select(e => e.GetDouble())];
    }

    private static double[] ReportStats(string reportPath, string iouType)
    {
        using var report = JsonDocument.Parse(File.ReadAllBytes(reportPath));
        return [.. report.RootElement.GetProperty(iouType).GetProperty("stats").EnumerateArray().Select(e => e.GetDouble())];
    }

    [Fact]
    public void Eval_writes_report_json_with_pycocotools_stats_for_both_iou_types()
    {
        using var output = new TemporaryDirectory();
        var dir = SharedFiles.GoldenCase("01-basic");
        var result = CliRunner.Run("eval", "--gt", Path.Combine(dir, "gt.json"), "--dt", Path.Combine(dir, "dt.json"), "--out", output.Path);

        Assert.True(result.ExitCode == 0, result.StandardError);
        var report = output.File("report.json");
        Assert.Equal(GoldenStats("01-basic", "bbox"), ReportStats(report, "bbox"));
        Assert.Equal(GoldenStats("01-basic", "segm"), ReportStats(report, "segm"));
        Assert.Contains(" Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.217", result.StandardOutput);
        Assert.True(File.Exists(output.File("report.md")));
    }

    [Fact]
    public void Eval_without_categories_matches_the_usecats0_golden()
    {
        using var output = new TemporaryDirectory();
        var dir = SharedFiles.GoldenCase("13-usecats0");
        var result = CliRunner.Run(
            "eval", "--gt", Path.Combine(dir, "gt.json"), "--dt", Path.Combine(dir, "dt.json"), "--use-cats", "false", "--iou-type", "bbox", "--out", output.Path);

        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Equal(GoldenStats("13-usecats0", "bbox"), ReportStats(output.File("report.json"), "bbox"));
        using var report = JsonDocument.Parse(File.ReadAllBytes(output.File("report.json")));
        Assert.False(report.RootElement.TryGetProperty("segm", out _));
    }

    [Fact]
    public void Eval_with_a_missing_file_fails_with_a_one_line_reason()
    {
        var result = CliRunner.Run("eval", "--gt", "/nonexistent/gt.json", "--dt", "/nonexistent/dt.json");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: --gt: file not found: /nonexistent/gt.json", result.StandardError.Trim());
    }

    [Fact]
    public void Eval_with_malformed_json_names_the_file_and_the_json_path()
    {
        using var temp = new TemporaryDirectory();
        File.WriteAllText(temp.File("gt.json"), """{"images": [{"id": 1, "width": "wide", "height": 10}], "categories": []}""");
        File.WriteAllText(temp.File("dt.json"), "[]");

        var result = CliRunner.Run("eval", "--gt", temp.File("gt.json"), "--dt", temp.File("dt.json"));

        Assert.Equal(1, result.ExitCode);
        var line = result.StandardError.Trim();
        Assert.DoesNotContain('\n', line);
        Assert.StartsWith("error: " + temp.File("gt.json") + ": $.images[0].width:", line);
    }

    [Fact]
    public void Eval_rejects_detections_on_images_missing_from_the_ground_truth()
    {
        using var temp = new TemporaryDirectory();
        var dir = SharedFiles.GoldenCase("01-basic");
        File.WriteAllText(temp.File("dt.json"), """[{"image_id": 4, "category_id": 1, "bbox": [1, 2, 3, 4], "score": 0.5}, {"image_id": 999, "category_id": 1, "bbox": [1, 2, 3, 4], "score": 0.5}]""");

        var result = CliRunner.Run("eval", "--gt", Path.Combine(dir, "gt.json"), "--dt", temp.File("dt.json"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("$[1].image_id: detection refers to image 999, which is not in the ground truth", result.StandardError);
    }

    [Fact]
    public void Eval_rejects_an_unknown_iou_type()
    {
        var dir = SharedFiles.GoldenCase("01-basic");
        var result = CliRunner.Run("eval", "--gt", Path.Combine(dir, "gt.json"), "--dt", Path.Combine(dir, "dt.json"), "--iou-type", "keypoints");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("keypoints", result.StandardError);
    }

    [Fact]
    public void Eval_of_segm_with_a_box_only_ground_truth_fails_clearly()
    {
        using var temp = new TemporaryDirectory();
        File.WriteAllText(temp.File("gt.json"), """{"images": [{"id": 1, "width": 20, "height": 10}], "categories": [{"id": 1, "name": "a"}], "annotations": [{"id": 7, "image_id": 1, "category_id": 1, "bbox": [1, 1, 4, 4], "area": 16, "iscrowd": 0}]}""");
        File.WriteAllText(temp.File("dt.json"), """[{"image_id": 1, "category_id": 1, "bbox": [1, 1, 4, 4], "score": 0.9}]""");

        var bbox = CliRunner.Run("eval", "--gt", temp.File("gt.json"), "--dt", temp.File("dt.json"), "--iou-type", "bbox");
        var segm = CliRunner.Run("eval", "--gt", temp.File("gt.json"), "--dt", temp.File("dt.json"), "--iou-type", "segm");

        Assert.Equal(0, bbox.ExitCode);
        Assert.Contains("= 1.000", bbox.StandardOutput);
        Assert.Equal(1, segm.ExitCode);
        Assert.Contains("ground-truth annotation 7 has no segmentation", segm.StandardError);
    }

    [Fact]
    public void An_error_of_the_second_iou_type_comes_before_any_summary_and_names_the_file_and_json_path()
    {
        using var temp = new TemporaryDirectory();
        File.WriteAllText(temp.File("gt.json"), """{"images": [{"id": 1, "width": 20, "height": 10}], "categories": [{"id": 1, "name": "a"}], "annotations": [{"id": 7, "image_id": 1, "category_id": 1, "bbox": [1, 1, 4, 4], "area": 16, "iscrowd": 0}]}""");
        File.WriteAllText(temp.File("dt.json"), """[{"image_id": 1, "category_id": 1, "bbox": [1, 1, 4, 4], "score": 0.9}]""");

        var both = CliRunner.Run("eval", "--gt", temp.File("gt.json"), "--dt", temp.File("dt.json"));

        Assert.Equal(1, both.ExitCode);
        Assert.Equal("", both.StandardOutput);
        Assert.Contains($"error: {temp.File("gt.json")}: $.annotations[0]: segm evaluation: ground-truth annotation 7 has no segmentation", both.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void Labels_annotations_json_is_accepted_as_detections_and_one_without_scores_is_explained()
    {
        using var temp = new TemporaryDirectory();
        const string Images = """ "images": [{"id": 1, "width": 20, "height": 10, "file_name": "a.png"}], "categories": [{"id": 1, "name": "a"}] """;
        File.WriteAllText(temp.File("gt.json"), $$"""{ {{Images}}, "annotations": [{"id": 7, "image_id": 1, "category_id": 1, "bbox": [1, 1, 4, 4], "segmentation": [[1, 1, 5, 1, 5, 5, 1, 5]], "area": 16, "iscrowd": 0}]}""");
        File.WriteAllText(temp.File("labels.json"), $$"""{ {{Images}}, "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 1, 4, 4], "segmentation": [[1, 1, 5, 1, 5, 5, 1, 5]], "area": 16, "iscrowd": 0, "score": 0.8}]}""");

        var labels = CliRunner.Run("eval", "--gt", temp.File("gt.json"), "--dt", temp.File("labels.json"), "--iou-type", "bbox");
        var truthAsResults = CliRunner.Run("eval", "--gt", temp.File("gt.json"), "--dt", temp.File("gt.json"), "--iou-type", "bbox");

        Assert.True(labels.ExitCode == 0, labels.StandardError);
        Assert.Contains("maxDets=100 ] = 1.000", labels.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(1, truthAsResults.ExitCode);
        Assert.Contains($"{temp.File("gt.json")}: $.annotations[0].score: a dataset used as detections needs a score on every annotation", truthAsResults.StandardError, StringComparison.Ordinal);
    }
}
