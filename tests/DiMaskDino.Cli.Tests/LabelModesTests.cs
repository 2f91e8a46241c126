using System.Text.Json;
using System.Text.Json.Nodes;
using DiMaskDino.Coco;
using DiMaskDino.Coco.Evaluation;
using DiMaskDino.Coco.Masks;
using DiMaskDino.TestSupport;

namespace DiMaskDino.Cli.Tests;

/// <summary>
/// The two post-processing modes end to end (docs/labels.md), with the bundled demo model on its 10 sample images:
/// labels without duplicates and with boxes equal to their masks' boxes, AP from <c>label --gt</c> equal to the AP of
/// the official top-100, the warning for ground truth that names other files, and <c>dimaskdino export</c>.
/// </summary>
public sealed class LabelModesTests
{
    private static string Samples => Path.Combine(SharedFiles.RepositoryRoot, "models", "samples", "shapes");

    private static string BundledModel => Path.Combine(SharedFiles.RepositoryRoot, "models", "dimaskdino-tiny-shapes.onnx");

    [Fact]
    public void Default_labels_are_clean_and_label_gt_reports_the_ap_of_the_official_detections()
    {
        using var work = new TemporaryDirectory();
        var gt = Path.Combine(Samples, "annotations.json");
        var labelsOut = work.File("labels");

        var labels = CliRunner.Run("label", Path.Combine(Samples, "images"), "--model", BundledModel, "--out", labelsOut, "--gt", gt, "--cpu", "--format", "labelstudio");

        Assert.True(labels.ExitCode == 0, labels.StandardError);
        Assert.Contains("IoU type: segm", labels.StandardOutput, StringComparison.Ordinal);
        Assert.Contains(" Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = ", labels.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("warning:", labels.StandardError, StringComparison.Ordinal);
        var dataset = CocoFiles.ReadDataset(Path.Combine(labelsOut, "annotations.json"));
        Assert.Equal("labels", dataset.Info!.Value.GetProperty("postprocess").GetString());
        Assert.NotEmpty(dataset.Annotations);
        foreach (var image in dataset.Images)
        {
            var masks = new List<RleMask>();
            foreach (var annotation in dataset.Annotations.Where(a => a.ImageId == image.Id))
            {
                var rle = Assert.IsType<RleSegmentation>(annotation.Segmentation);
                var mask = Rle.FromCompressedString(rle.CompressedCounts!, rle.Height, rle.Width);
                var box = annotation.Bbox!.Value;
                Assert.True(mask.Area > 0 && box.Width > 0 && box.Height > 0);
                Assert.True(box.X >= 0 && box.Y >= 0 && box.Right <= image.Width && box.Bottom <= image.Height, $"{image.FileName}: {box}");
                Assert.Equal(mask.Bounds, box);
                masks.Add(mask);
            }

            var iou = new double[masks.Count * masks.Count];
            Rle.Iou(masks.ToArray(), masks.ToArray(), new bool[masks.Count], iou);
            for (int i = 0; i < masks.Count; i++)
            {
                for (int j = 0; j < masks.Count; j++)
                {
                    Assert.True(i == j || iou[i * masks.Count + j] < 0.8, $"{image.FileName}: labels {i} and {j} overlap at IoU {iou[i * masks.Count + j]}");
                }
            }
        }

        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(labelsOut, "summary.json")))!;
        Assert.Equal("labels", summary["postprocess"]!.GetValue<string>());
        Assert.Equal("official", summary["evaluation"]!["postprocess"]!.GetValue<string>());
        Assert.Equal(10, summary["evaluation"]!["ground_truth_images_labeled"]!.GetValue<int>());
        Assert.True(File.Exists(Path.Combine(labelsOut, "exports", "labelstudio", "tasks.json")));

        // Today's evaluation: the official top-100 (no threshold, no cleaning) evaluated as they are. Its ground truth
        // names other files, which label --gt must say.
        var renamed = JsonNode.Parse(File.ReadAllText(gt))!;
        foreach (var image in renamed["images"]!.AsArray())
        {
            image!["file_name"] = "elsewhere/" + image["file_name"]!.GetValue<string>();
        }

        File.WriteAllText(work.File("renamed.json"), renamed.ToJsonString());
        var officialOut = work.File("official");
        var official = CliRunner.Run(
            "label", Path.Combine(Samples, "images"), "--model", BundledModel, "--out", officialOut, "--gt", work.File("renamed.json"), "--cpu",
            "--postprocess", "official", "--score-threshold", "0");

        Assert.True(official.ExitCode == 0, official.StandardError);
        Assert.Contains("warning: 0 of 10 ground-truth file names found", official.StandardError, StringComparison.Ordinal);
        Assert.Contains("warning: 10 labeled images are not in the ground truth", official.StandardError, StringComparison.Ordinal);
        var truth = CocoFiles.ReadDataset(gt);
        var top100 = CocoFiles.ReadDataset(Path.Combine(officialOut, "annotations.json")).Annotations
            .Select(a => new CocoDetection { ImageId = a.ImageId, CategoryId = a.CategoryId, Bbox = a.Bbox, Segmentation = a.Segmentation, Score = a.Score!.Value })
            .ToList();
        Assert.Equal(1000, top100.Count);
        var report = JsonNode.Parse(File.ReadAllText(Path.Combine(labelsOut, "report.json")))!;
        foreach (var type in new[] { IouType.Bbox, IouType.Segm })
        {
            var expected = CocoEvaluator.Evaluate(truth, top100, new CocoEvalParameters { IouType = type }).Stats;
            var actual = report[type == IouType.Bbox ? "bbox" : "segm"]!["stats"]!.AsArray().Select(v => v!.GetValue<double>());
            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void Export_writes_a_finished_jobs_labels_in_a_tools_format_and_names_a_folder_without_labels()
    {
        using var work = new TemporaryDirectory();
        var from = Directory.CreateDirectory(work.File("job")).FullName;
        File.Copy(Path.Combine(Samples, "annotations.json"), Path.Combine(from, "annotations.json"));

        var yolo = CliRunner.Run("export", "--from", from, "--format", "yolo", "--out", work.File("yolo"));
        var missing = CliRunner.Run("export", "--from", work.Path, "--format", "cvat", "--out", work.File("cvat"));

        Assert.True(yolo.ExitCode == 0, yolo.StandardError);
        Assert.Equal(10, Directory.GetFiles(Path.Combine(work.File("yolo"), "labels")).Length);
        Assert.Contains("names:", File.ReadAllText(Path.Combine(work.File("yolo"), "data.yaml")), StringComparison.Ordinal);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("error: --from: ", missing.StandardError, StringComparison.Ordinal);
        Assert.Contains("annotations.json", missing.StandardError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(work.File("cvat")));
    }
}
