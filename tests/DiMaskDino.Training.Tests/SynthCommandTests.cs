using DiMaskDino.TestSupport;
using DiMaskDino.Coco;
using DiMaskDino.Model.Data;
using DiMaskDino.Model.Data.Augmentation;

namespace DiMaskDino.Training.Tests;

public sealed class SynthCommandTests
{
    [Fact]
    public void Synth_writes_a_dataset_that_the_coco_reader_and_the_training_loader_accept()
    {
        using var folder = new TemporaryDirectory();
        var result = TrainRunner.Run("synth", "--out", folder.Path, "--count", "6", "--seed", "3", "--size", "96");

        Assert.True(result.ExitCode == 0, result.StandardError);
        var coco = CocoFiles.ReadDataset(folder.File("annotations.json"));
        Assert.Equal(6, coco.Images.Count);
        Assert.Equal(["circle", "triangle", "square", "star", "ring", "cross"], coco.Categories.Select(c => c.Name));
        Assert.All(coco.Images, i => Assert.Equal((96, 96), (i.Width, i.Height)));
        Assert.All(coco.Annotations, a => Assert.IsType<RleSegmentation>(a.Segmentation));

        var dataset = CocoInstanceDataset.OpenFolder(folder.Path);
        using var loader = new TrainingLoader(dataset, new LargeScaleJitter(LsjOptions.Tiny), new TrainingLoaderOptions { Seed = 1 });
        var sample = loader.Next();
        Assert.Equal((128, 128), (sample.Image.Height, sample.Image.Width));
        Assert.True(sample.Count > 0);
        Assert.Contains("6 images", result.StandardOutput);
    }

    [Fact]
    public void Synth_split_writes_train_and_val_folders()
    {
        using var folder = new TemporaryDirectory();
        var result = TrainRunner.Run("synth", "--out", folder.Path, "--count", "10", "--seed", "3", "--size", "64", "--split", "0.2");

        Assert.True(result.ExitCode == 0, result.StandardError);
        var train = CocoFiles.ReadDataset(folder.File("train", "annotations.json"));
        var val = CocoFiles.ReadDataset(folder.File("val", "annotations.json"));
        Assert.Equal(8, train.Images.Count);
        Assert.Equal(2, val.Images.Count);
        Assert.Equal(8, Directory.GetFiles(folder.File("train", "images")).Length);
        Assert.Equal([9L, 10L], val.Images.Select(i => i.Id));
        Assert.False(File.Exists(folder.File("annotations.json")));
    }

    [Theory]
    [InlineData("--count", "0", "error: --count must be at least 1, got 0")]
    [InlineData("--size", "16", "error: --size must be between 32 and 4096, got 16")]
    [InlineData("--split", "1.5", "error: --split must be a fraction between 0 and 1 (exclusive), got 1.5")]
    public void Bad_values_fail_with_exit_1_and_one_line(string option, string value, string expected)
    {
        using var folder = new TemporaryDirectory();
        string[] arguments = ["synth", "--out", folder.File("out"), "--count", "3", "--seed", "1"];
        var index = Array.IndexOf(arguments, option);
        arguments = index >= 0 ? [.. arguments[..(index + 1)], value, .. arguments[(index + 2)..]] : [.. arguments, option, value];

        var result = TrainRunner.Run(arguments);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(expected, result.StandardError.Trim());
        Assert.False(Directory.Exists(folder.File("out")));
    }

    [Fact]
    public void Missing_required_option_fails_with_exit_1()
    {
        var result = TrainRunner.Run("synth", "--count", "3", "--seed", "1");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            ["error: Option '--out' is required.", "run 'dimaskdino-train synth --help' for the options"],
            result.StandardError.Trim().Split('\n'));
        Assert.Equal("", result.StandardOutput);
    }

    [Fact]
    public void Non_empty_output_folder_is_refused_unless_overwrite_replaces_our_dataset()
    {
        using var folder = new TemporaryDirectory();
        File.WriteAllText(folder.File("notes.txt"), "mine");
        var refused = TrainRunner.Run("synth", "--out", folder.Path, "--count", "2", "--seed", "1", "--size", "32");
        File.Delete(folder.File("notes.txt"));
        var first = TrainRunner.Run("synth", "--out", folder.Path, "--count", "3", "--seed", "1", "--size", "32");
        var again = TrainRunner.Run("synth", "--out", folder.Path, "--count", "2", "--seed", "1", "--size", "32");
        var overwritten = TrainRunner.Run("synth", "--out", folder.Path, "--count", "2", "--seed", "1", "--size", "32", "--overwrite");

        Assert.Equal(1, refused.ExitCode);
        Assert.StartsWith($"error: --out: folder is not empty: {folder.Path}; it holds other files (notes.txt)", refused.StandardError.Trim());
        Assert.Equal(0, first.ExitCode);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("--overwrite", again.StandardError);
        Assert.Equal(0, overwritten.ExitCode);
        Assert.Equal(2, Directory.GetFiles(folder.File("images")).Length);
    }
}
