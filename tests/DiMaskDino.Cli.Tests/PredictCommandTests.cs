using System.Text.Json;
using DiMaskDino.Coco;
using DiMaskDino.TestSupport;
using SixLabors.ImageSharp;

namespace DiMaskDino.Cli.Tests;

/// <summary><c>dimaskdino predict</c> as a child process on a tiny exported model and real image files.</summary>
public sealed class PredictCommandTests(TinyModelFile model) : IClassFixture<TinyModelFile>
{
    [Fact]
    public void Predict_labels_a_folder_recursively_writes_every_file_and_fails_for_the_bad_image()
    {
        using var work = new TemporaryDirectory();
        TinyModelFile.WriteImage(work.File("in", "b.png"), 80, 60, seed: 1);
        TinyModelFile.WriteImage(work.File("in", "sub", "a.png"), 50, 90, seed: 2);
        File.WriteAllText(work.File("in", "broken.jpg"), "this is not a JPEG");
        File.WriteAllText(work.File("in", "notes.txt"), "not an image extension: skipped");
        var output = work.File("out");

        var result = CliRunner.Run(
            "predict", work.File("in"), "--model", model.Path, "--out", output, "--score-threshold", "0", "--batch-size", "2", "--postprocess", "official");

        Assert.True(result.ExitCode == 1, $"exit {result.ExitCode}: {result.StandardError}");
        // Ordinal order of paths: b.png, broken.jpg, sub/a.png → image ids 1, 2, 3.
        Assert.Contains($"error: {work.File("in", "broken.jpg")}: The file is not an image", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("1 of 3 images could not be labelled", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("falling back to the CPU", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("onnxruntime", result.StandardError, StringComparison.Ordinal);  // no native ORT log line
        Assert.Equal([$"{work.File("in", "b.png")}\t30", $"{work.File("in", "sub", "a.png")}\t30"], result.StandardOutput.TrimEnd().Split('\n'));

        var labels = CocoFiles.ReadDataset(Path.Combine(output, "annotations.json"));
        Assert.Equal([(1L, work.File("in", "b.png"), 80, 60), (3L, work.File("in", "sub", "a.png"), 50, 90)], labels.Images.Select(i => (i.Id, i.FileName, i.Width, i.Height)));
        Assert.Equal(TinyModelFile.Categories, labels.Categories.Select(c => (c.Id, c.Name)));
        // k = min(100, 10 queries × 3 classes) = 30 per image at threshold 0.
        Assert.Equal(30, labels.Annotations.Count(a => a.ImageId == 1));
        Assert.Equal(30, labels.Annotations.Count(a => a.ImageId == 3));
        Assert.Equal(Enumerable.Range(1, 60).Select(i => (long)i), labels.Annotations.Select(a => a.Id));
        Assert.All(labels.Annotations, a => Assert.IsType<RleSegmentation>(a.Segmentation));
        Assert.All(labels.Annotations, a => Assert.NotNull(a.Score));
        using (var dataset = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(output, "annotations.json"))))
        {
            Assert.Equal("official", dataset.RootElement.GetProperty("info").GetProperty("postprocess").GetString());
        }

        Assert.False(File.Exists(Path.Combine(output, "results.json")));
        Assert.False(File.Exists(Path.Combine(output, "images.json")));

        using var failures = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(output, "failures.json")));
        var failure = Assert.Single(failures.RootElement.EnumerateArray());
        Assert.Equal(2, failure.GetProperty("image_id").GetInt32());
        Assert.Equal(work.File("in", "broken.jpg"), failure.GetProperty("file_name").GetString());

        var overlays = Directory.GetFiles(Path.Combine(output, "overlays")).Select(f => Path.GetFileName(f)).Order().ToList();
        Assert.Equal(new[] { "1-b.png", "3-a.png" }, overlays);
        var info = Image.Identify(Path.Combine(output, "overlays", "3-a.png"));
        Assert.Equal((50, 90), (info.Width, info.Height));
        Assert.Empty(Directory.GetFiles(output, "*.tmp", SearchOption.AllDirectories));
        Assert.Empty(Directory.GetFiles(output, "*.part", SearchOption.AllDirectories));
    }

    [Fact]
    public void Predict_with_polygons_and_all_images_good_exits_zero()
    {
        using var work = new TemporaryDirectory();
        TinyModelFile.WriteImage(work.File("one.png"), 64, 64, seed: 3);
        var output = work.File("out");

        var result = CliRunner.Run("predict", work.File("one.png"), "--model", model.Path, "--out", output, "--polygons", "--no-overlays", "--provider", "cpu", "--score-threshold", "0");

        Assert.True(result.ExitCode == 0, result.StandardError);
        var labels = CocoFiles.ReadDataset(Path.Combine(output, "annotations.json"));
        Assert.NotEmpty(labels.Annotations);
        Assert.All(labels.Annotations, a => Assert.All(Assert.IsType<PolygonSegmentation>(a.Segmentation).Polygons, p => Assert.True(p.Length >= 6)));
        Assert.False(Directory.Exists(Path.Combine(output, "overlays")));
        Assert.Equal("[]", File.ReadAllText(Path.Combine(output, "failures.json")));
    }

    [Fact]
    public void Predict_on_a_missing_image_path_fails_before_loading_the_model()
    {
        using var work = new TemporaryDirectory();

        var result = CliRunner.Run("predict", work.File("nope.png"), "--model", model.Path, "--out", work.File("out"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"error: IMAGE: no such file or directory: {work.File("nope.png")}", result.StandardError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(work.File("out")));
    }

    [Fact]
    public void Predict_rejects_a_score_threshold_outside_zero_to_one()
    {
        using var work = new TemporaryDirectory();
        TinyModelFile.WriteImage(work.File("one.png"), 8, 8, seed: 4);

        var result = CliRunner.Run("predict", work.File("one.png"), "--model", model.Path, "--score-threshold", "1.5");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--score-threshold must be within 0..1, got 1.5", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void Predict_fails_a_fifo_without_opening_it_and_labels_the_rest()
    {
        using var work = new TemporaryDirectory();
        TinyModelFile.WriteImage(work.File("in", "a.png"), 30, 30, seed: 5);
        HostileFiles.Fifo(work.File("in", "p.png"));
        var output = work.File("out");

        var result = CliRunner.RunWithProgress("predict", work.File("in"), "--model", model.Path, "--out", output, "--provider", "cpu", "--no-overlays");

        Assert.True(result.ExitCode == 1, $"exit {result.ExitCode}: {result.StandardError}");
        Assert.Contains($"error: {work.File("in", "p.png")}: not a regular file (a FIFO); never opened", result.StandardError, StringComparison.Ordinal);
        Assert.Equal(work.File("in", "a.png"), result.StandardOutput.Split('\t')[0]);
        using var failures = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(output, "failures.json")));
        Assert.Equal(work.File("in", "p.png"), Assert.Single(failures.RootElement.EnumerateArray()).GetProperty("file_name").GetString());
    }

    [Theory]
    [InlineData(null, 0)]
    [InlineData("0", 30)]
    public void Predict_takes_the_models_recommended_threshold_unless_one_is_given(string? given, int expectedPerImage)
    {
        using var work = new TemporaryDirectory();
        TinyModelFile.WriteImage(work.File("one.png"), 40, 40, seed: 6);
        var strict = work.File("strict.onnx");
        File.WriteAllBytes(strict, TinyModelFile.WithMetadata(File.ReadAllBytes(model.Path), "dimaskdino.score_threshold", "1"));
        string[] arguments = ["predict", work.File("one.png"), "--model", strict, "--out", work.File("out"), "--provider", "cpu", "--no-overlays", "--postprocess", "official"];

        var result = CliRunner.Run(given is null ? arguments : [.. arguments, "--score-threshold", given]);

        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Equal($"{work.File("one.png")}\t{expectedPerImage}", result.StandardOutput.TrimEnd());
    }

    [Fact]
    public void A_recommended_threshold_outside_zero_to_one_is_a_clear_model_error()
    {
        using var work = new TemporaryDirectory();
        TinyModelFile.WriteImage(work.File("one.png"), 8, 8, seed: 4);
        var odd = work.File("odd.onnx");
        File.WriteAllBytes(odd, TinyModelFile.WithMetadata(File.ReadAllBytes(model.Path), "dimaskdino.score_threshold", "2"));

        var result = CliRunner.Run("label", work.Path, "--model", odd, "--out", work.File("out"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("metadata key \"dimaskdino.score_threshold\" is malformed (expected a number within 0..1)", result.StandardError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(work.File("out")));
    }
}
