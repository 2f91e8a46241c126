// Issue 11's proof through the product: an official checkpoint imported by `dimaskdino-train import` and run by
// `dimaskdino predict --postprocess official` reproduces the official instances (golden instances.json, README
// tolerances), and `dimaskdino label` labels a folder of mixed sizes and aspect ratios with the same file.

using System.Text.Json;
using DiMaskDino.Coco;
using DiMaskDino.Coco.Masks;
using DiMaskDino.TestSupport;
using SixLabors.ImageSharp;

namespace DiMaskDino.Cli.Tests.Official;

public sealed class OfficialWeightsTests(ImportedR50SmallModel imported) : IClassFixture<ImportedR50SmallModel>
{
    [SkippableFact]
    public void Predict_official_reproduces_the_official_instances()
    {
        var @case = OfficialGolden.Cases("r50-small")[0];
        using var work = new TemporaryDirectory();
        var output = work.File("out");

        var result = CliRunner.Run(
            "predict", @case.Image, "--model", imported.ModelPath, "--out", output, "--postprocess", "official",
            "--score-threshold", "0", "--no-overlays", "--provider", "cpu");

        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.StandardError}");
        var labels = CocoFiles.ReadDataset(Path.Combine(output, "annotations.json"));
        var ours = LabeledDatasetDetections.Match(labels, labels, "annotations.json").Detections;
        var categoryIds = labels.Categories.Select(c => c.Id).ToArray();          // logit order (the model's classes)
        using var golden = JsonDocument.Parse(File.ReadAllBytes(@case.Instances));
        var expected = golden.RootElement.GetProperty("instances").EnumerateArray().ToList();
        Assert.Equal(expected.Count, ours.Count);

        double sx = (double)@case.PaddedWidth / @case.ResizedWidth * @case.Width;
        double sy = (double)@case.PaddedHeight / @case.ResizedHeight * @case.Height;
        var used = new bool[ours.Count];
        foreach (var instance in expected)
        {
            var categoryId = categoryIds[instance.GetProperty("category").GetInt32()];
            var score = instance.GetProperty("score").GetDouble();
            var xyxy = instance.GetProperty("box_xyxy").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            var match = Enumerable.Range(0, ours.Count)
                .Where(i => !used[i] && ours[i].CategoryId == categoryId)
                .OrderBy(i => Math.Abs(ours[i].Score - score) + BoxDistance(ours[i].Bbox!.Value, xyxy))
                .Cast<int?>().FirstOrDefault();
            Assert.True(match.HasValue, $"no detection of category {categoryId} left for query {instance.GetProperty("query").GetInt32()}");
            var detection = ours[match.Value];
            used[match.Value] = true;

            Assert.True(Math.Abs(detection.Score - score) <= 1e-4, $"score {detection.Score} vs {score}");
            var box = detection.Bbox!.Value;
            Assert.True(Math.Abs(box.X - xyxy[0]) <= 1e-4 * sx && Math.Abs(box.X + box.Width - xyxy[2]) <= 1e-4 * sx, $"box x {box} vs {string.Join(", ", xyxy)}");
            Assert.True(Math.Abs(box.Y - xyxy[1]) <= 1e-4 * sy && Math.Abs(box.Y + box.Height - xyxy[3]) <= 1e-4 * sy, $"box y {box} vs {string.Join(", ", xyxy)}");
            var segmentation = instance.GetProperty("segmentation");
            var goldenMask = Rle.FromCompressedString(segmentation.GetProperty("counts").GetString()!, @case.Height, @case.Width);
            var ourMask = MaskOf(Assert.IsType<RleSegmentation>(detection.Segmentation));
            Assert.True(DifferingPixels(ourMask, goldenMask) <= 10, $"mask of query {instance.GetProperty("query").GetInt32()} differs in more than 10 pixels");
        }
    }

    [SkippableFact]
    public void Label_runs_the_imported_model_on_images_of_mixed_sizes_and_aspect_ratios()
    {
        OfficialGolden.Require();
        using var work = new TemporaryDirectory();
        (int Width, int Height)[] sizes = [(303, 201), (90, 240), (160, 160), (500, 120)];
        for (var i = 0; i < sizes.Length; i++)
        {
            TinyModelFile.WriteImage(work.File("in", $"image{i}.png"), sizes[i].Width, sizes[i].Height, seed: 10 + i);
        }

        var output = work.File("out");
        var result = CliRunner.Run("label", work.File("in"), "--model", imported.ModelPath, "--out", output, "--score-threshold", "0.05", "--provider", "cpu");

        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.StandardError}");
        var annotations = CocoFiles.ReadDataset(Path.Combine(output, "annotations.json"));
        Assert.Equal(
            sizes.Select((s, i) => ($"image{i}.png", s.Width, s.Height)),
            annotations.Images.OrderBy(i => i.FileName, StringComparer.Ordinal).Select(i => (i.FileName, i.Width, i.Height)));
        Assert.Equal(80, annotations.Categories.Count);
        Assert.All(annotations.Annotations, a =>
        {
            var image = annotations.Images.Single(i => i.Id == a.ImageId);
            var mask = Assert.IsType<RleSegmentation>(a.Segmentation);
            Assert.Equal((image.Height, image.Width), (mask.Height, mask.Width));
        });
        using var failures = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(output, "failures.json")));
        Assert.Equal(0, failures.RootElement.GetArrayLength());
    }

    private static double BoxDistance(BoundingBox box, double[] xyxy) =>
        Math.Abs(box.X - xyxy[0]) + Math.Abs(box.Y - xyxy[1]) + Math.Abs(box.X + box.Width - xyxy[2]) + Math.Abs(box.Y + box.Height - xyxy[3]);

    private static RleMask MaskOf(RleSegmentation segmentation) => segmentation.CompressedCounts is { } counts
        ? Rle.FromCompressedString(counts, segmentation.Height, segmentation.Width)
        : Rle.FromUncompressed(segmentation.Counts, segmentation.Height, segmentation.Width);

    private static int DifferingPixels(RleMask a, RleMask b)
    {
        Assert.Equal((a.Height, a.Width), (b.Height, b.Width));
        var left = new byte[a.Height * a.Width];
        var right = new byte[b.Height * b.Width];
        Rle.Decode(a, left);
        Rle.Decode(b, right);
        return left.Zip(right).Count(p => p.First != p.Second);
    }
}
