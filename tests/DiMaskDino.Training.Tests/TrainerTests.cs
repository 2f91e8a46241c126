using System.Text.Json;
using DiMaskDino.Model;
using DiMaskDino.Model.Training;
using DiMaskDino.TestSupport;
using DiMaskDino.Training.Synthetic;

namespace DiMaskDino.Training.Tests;

/// <summary>The real training loop end to end on a tiny synthetic set: checkpoints, metrics, cancel and resume.</summary>
[Collection(TorchProcessState.Name)]
public sealed class TrainerTests
{
    // K1/Q/G reduced so a 96² canvas (S = 193 memory tokens) is admissible and the steps stay fast; the architecture is unchanged.
    internal static readonly ModelOptions Small = ModelOptions.Tiny(numClasses: 6) with { FirstSelectedTokens = 40, NumQueries = 20, GuidingTokens = 5, DenoisingQueries = 10, MaskPoints = 256 };

    private static readonly TrainingOptions Fast = new() { Epochs = 2, BatchSize = 2, CanvasSize = 96, Threads = 2, LogEvery = 1 };

    private static (string Train, string Val) Dataset(TemporaryDirectory folder)
    {
        SyntheticDatasetWriter.Write(new SyntheticDatasetOptions { Count = 8, Seed = 11, Size = 96, ValidationFraction = 0.25 }, folder.File("data"));
        return (folder.File("data", "train"), folder.File("data", "val"));
    }

    [Fact]
    public async Task A_cancelled_run_checkpoints_and_resumes_to_the_planned_end()
    {
        using var folder = new TemporaryDirectory();
        var (train, val) = Dataset(folder);
        var run = new TrainingRun(train, val, folder.File("run"));
        var trainer = new Trainer(Small, Fast);

        using var cancel = new CancellationTokenSource();
        var progress = new SynchronousProgress(p =>
        {
            if (p.Iteration >= 4)
            {
                cancel.Cancel();
            }
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => trainer.RunAsync(run, progress, cancel.Token));

        var interrupted = Checkpoint.ReadState(folder.File("run", Trainer.CheckpointsFolder, Trainer.LastCheckpointName));
        Assert.InRange(interrupted.Iteration, 4, 5);
        Assert.Equal(6, interrupted.TotalIterations);                                   // 2 epochs × ⌊6 images / 2⌋

        var summary = await trainer.RunAsync(run with { Resume = true });

        Assert.Equal(6, summary.Iterations);
        var final = Checkpoint.ReadState(summary.LastCheckpoint);
        Assert.Equal(2, final.Epoch);
        Assert.Equal(["ap_box", "ap_mask"], final.Metrics.Select(m => m.Name));
        Assert.True(File.Exists(folder.File("run", Trainer.CheckpointsFolder, "epoch-001", Checkpoint.ModelFile)));
        Assert.False(File.Exists(folder.File("run", Trainer.CheckpointsFolder, "epoch-001", Checkpoint.OptimizerFile)));
        Assert.True(File.Exists(folder.File("run", Trainer.CheckpointsFolder, Trainer.LastCheckpointName, Checkpoint.OptimizerFile)));

        var lines = File.ReadAllLines(folder.File("run", Trainer.MetricsFile)).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var steps = lines.Where(l => l.GetProperty("type").GetString() == "train").Select(l => l.GetProperty("iteration").GetInt32()).ToList();
        Assert.Equal(5, steps.Max());
        Assert.All(lines.Where(l => l.GetProperty("type").GetString() == "train"), l => Assert.True(double.IsFinite(l.GetProperty("loss").GetDouble())));
        var evaluations = lines.Where(l => l.GetProperty("type").GetString() == "eval").ToList();
        Assert.NotEmpty(evaluations);
        Assert.Equal(["initial", "layer 0", "layer 1", "final"], evaluations[^1].GetProperty("per_layer").EnumerateArray().Select(l => l.GetProperty("layer").GetString()));
        Assert.Equal(Small.NumQueries, final.ToModelOptions().NumQueries);

        // The trained checkpoint exports to ONNX and ONNX Runtime reproduces TorchSharp (issue 4's --verify).
        var export = TrainRunner.Run("export", "--checkpoint", summary.LastCheckpoint, "--out", folder.File("model.onnx"), "--verify");
        Assert.True(export.ExitCode == 0, export.StandardError);
        Assert.Contains("verify pred_masks: max-abs", export.StandardOutput);
        var metadata = Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(folder.File("model.onnx"))).MetadataProps.ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal(ExpectedClasses, metadata["dimaskdino.classes"]);
        Assert.Equal("20", metadata["dimaskdino.num_queries"]);
    }

    private const string ExpectedClasses = "[[\"1\",\"circle\"],[\"2\",\"triangle\"],[\"3\",\"square\"],[\"4\",\"star\"],[\"5\",\"ring\"],[\"6\",\"cross\"]]";

    [Fact]
    public void Train_command_runs_end_to_end_and_exports_model_onnx()
    {
        using var folder = new TemporaryDirectory();
        var (train, val) = Dataset(folder);

        var result = TrainRunner.Run(
            "train", "--data", train, "--val", val, "--out", folder.File("run"), "--epochs", "1", "--batch", "2", "--canvas", "96", "--threads", "2");

        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Contains("validation: APbox", result.StandardOutput);
        Assert.True(File.Exists(folder.File("run", "curves.png")));
        var metadata = Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(folder.File("run", "model.onnx"))).MetadataProps.ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal(ExpectedClasses, metadata["dimaskdino.classes"]);
        Assert.Equal("96", metadata["dimaskdino.input_height"]);
    }

    [Fact]
    public void Export_command_rejects_a_folder_that_is_not_a_checkpoint()
    {
        using var folder = new TemporaryDirectory();
        var result = TrainRunner.Run("export", "--checkpoint", folder.Path, "--out", folder.File("m.onnx"));

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"error: --checkpoint: {folder.Path} is not a checkpoint (no state.json)", result.StandardError.Trim());
    }

    [Fact]
    public void Train_command_rejects_a_missing_dataset_with_one_line()
    {
        using var folder = new TemporaryDirectory();
        var result = TrainRunner.Run("train", "--data", folder.File("nothing"), "--out", folder.File("run"));

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"error: --data: {folder.File("nothing")} is not a COCO folder (no annotations.json)", result.StandardError.Trim());
    }

    [Fact]
    public void Train_command_names_the_choices_of_an_option_it_cannot_parse_and_writes_nothing()
    {
        using var folder = new TemporaryDirectory();
        var result = TrainRunner.Run("train", "--data", folder.File("data"), "--out", folder.File("run"), "--preset", "huge");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            ["error: --preset: 'huge' is not one of tiny, paper", "run 'dimaskdino-train train --help' for the options"],
            result.StandardError.Trim().Split('\n'));
        Assert.False(Directory.Exists(folder.File("run")));
    }

    [Fact]
    public void Train_command_refuses_a_time_budget_no_clock_can_hold()
    {
        using var folder = new TemporaryDirectory();
        var result = TrainRunner.Run("train", "--data", folder.File("data"), "--out", folder.File("run"), "--time-budget", "1e400");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"error: --time-budget: {double.PositiveInfinity} minutes is out of range", result.StandardError.Trim());
    }

    [Fact]
    public void Train_command_refuses_to_overwrite_a_run_without_resume()
    {
        using var folder = new TemporaryDirectory();
        var (train, _) = Dataset(folder);
        Directory.CreateDirectory(folder.File("run"));
        File.WriteAllText(folder.File("run", Trainer.MetricsFile), "");

        var result = TrainRunner.Run("train", "--data", train, "--out", folder.File("run"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("already holds a run", result.StandardError);
    }

    [Fact]
    public void Train_command_on_cuda_without_a_gpu_fails_with_one_line()
    {
        using var folder = new TemporaryDirectory();
        var (train, _) = Dataset(folder);

        var result = TrainRunner.Run("train", "--data", train, "--out", folder.File("run"), "--device", "cuda", "--epochs", "1");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: --device cuda: CUDA is not available", result.StandardError.Trim());
    }
}
