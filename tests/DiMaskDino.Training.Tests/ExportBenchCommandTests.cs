// export --weights, evaluate and bench forward as processes, on a small random-weight checkpoint (TINY with reduced
// K1/Q/G at 96²) and a tiny synthetic dataset.

using DiMaskDino.Model;
using DiMaskDino.Model.Training;
using DiMaskDino.TestSupport;
using DiMaskDino.Training.Synthetic;
using static TorchSharp.torch;

namespace DiMaskDino.Training.Tests;

[Collection(TorchProcessState.Name)]
public sealed class ExportBenchCommandTests
{
    private static readonly ModelOptions Small = ModelOptions.Tiny(numClasses: 6) with { FirstSelectedTokens = 40, NumQueries = 20, GuidingTokens = 5 };

    /// <summary>A checkpoint of the small model with its (seeded) initial weights, as the trainer writes it.</summary>
    private static string WriteCheckpoint(TemporaryDirectory folder, string name, int seed)
    {
        manual_seed(seed);
        using var model = DiMaskDinoBuilder.Build(Small);
        var path = folder.File(name);
        Checkpoint.Save(path, model, null, new CheckpointState
        {
            Preset = "tiny",
            DeImbalance = true,
            Bato = true,
            Normalization = new CheckpointNormalization(Small.Normalization.Order.ToString().ToLowerInvariant(), Small.Normalization.Mean, Small.Normalization.Std),
            Categories = [.. new[] { "circle", "triangle", "square", "star", "ring", "cross" }.Select((n, i) => new CheckpointCategory(i + 1, n))],
            Architecture = CheckpointArchitecture.From(Small),
            Epoch = 1,
            Iteration = 1,
            TotalIterations = 1,
            CanvasSize = 96,
            Seed = seed,
        });
        return path;
    }

    [Fact]
    public void Int8_export_verifies_against_the_rounded_checkpoint_and_evaluate_and_bench_run_it()
    {
        using var folder = new TemporaryDirectory();
        var checkpoint = WriteCheckpoint(folder, "ckpt", 5);
        var model = folder.File("m.onnx");

        var export = TrainRunner.Run("export", "--checkpoint", checkpoint, "--out", model, "--weights", "int8", "--verify");
        Assert.True(export.ExitCode == 0, export.StandardError);
        Assert.Contains("int8 weights", export.StandardOutput);
        Assert.Equal(3, export.StandardOutput.Split('\n').Count(l => l.StartsWith("verify ", StringComparison.Ordinal)));
        var metadata = Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(model)).MetadataProps.ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal("int8", metadata["dimaskdino.weights_dtype"]);

        SyntheticDatasetWriter.Write(new SyntheticDatasetOptions { Count = 3, Seed = 12, Size = 96 }, folder.File("data"));
        var evaluate = TrainRunner.Run("evaluate", "--model", model, "--data", folder.File("data"), "--batch", "2", "--threads", "1");
        Assert.True(evaluate.ExitCode == 0, evaluate.StandardError);
        Assert.Contains("APbox", evaluate.StandardOutput);
        Assert.Equal(12, evaluate.StandardOutput.Split('\n').Single(l => l.StartsWith("mask stats:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries).Length - 2);

        var bench = TrainRunner.Run("bench", "forward", "--checkpoint", checkpoint, "--model", model, "--batches", "1,2", "--runs", "2", "--threads", "1");
        Assert.True(bench.ExitCode == 0, bench.StandardError);
        var rows = bench.StandardOutput.Split('\n').Where(l => l.StartsWith("| 1 |", StringComparison.Ordinal) || l.StartsWith("| 2 |", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, rows.Count);
    }

    [Fact]
    public void Bench_fails_when_the_model_was_not_exported_from_the_checkpoint()
    {
        using var folder = new TemporaryDirectory();
        var exportedFrom = WriteCheckpoint(folder, "a", 6);
        var other = WriteCheckpoint(folder, "b", 7);
        var model = folder.File("a.onnx");
        Assert.Equal(0, TrainRunner.Run("export", "--checkpoint", exportedFrom, "--out", model).ExitCode);

        var bench = TrainRunner.Run("bench", "forward", "--checkpoint", other, "--model", model, "--batches", "1", "--runs", "1", "--threads", "1");

        Assert.Equal(1, bench.ExitCode);
        Assert.Contains("outputs differ", bench.StandardError);
    }

    [Fact]
    public void Bench_forward_size_exports_size_dynamic_and_times_both_engines_at_a_non_square_size()
    {
        using var folder = new TemporaryDirectory();
        var prefix = folder.File("profile");
        var bench = TrainRunner.Run(
            "bench", "forward-size", "--preset", "tiny", "--size", "128x192", "--runs", "1", "--threads", "1", "--profile", prefix);

        Assert.True(bench.ExitCode == 0, bench.StandardError);
        Assert.Contains("input 1x3x128x192", bench.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("exported size-dynamic", bench.StandardOutput, StringComparison.Ordinal);
        Assert.Matches(@"TorchSharp eager: \d+\.\d\d s per image", bench.StandardOutput);
        Assert.Matches(@"ONNX Runtime: \d+\.\d\d s per image", bench.StandardOutput);
        Assert.Equal(3, bench.StandardOutput.Split('\n').Count(l => l.StartsWith("max-abs ORT vs TorchSharp", StringComparison.Ordinal)));
        Assert.Contains("| GridSample |", bench.StandardOutput, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(folder.Path, "profile*.json"));
    }

    [Fact]
    public void Bench_forward_size_refuses_a_size_that_is_not_a_multiple_of_32()
    {
        var result = TrainRunner.Run("bench", "forward-size", "--size", "800x1200", "--engines", "ort");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--size must be HxW with positive multiples of 32, got \"800x1200\"", result.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("export", "--weights", "int4", "Argument 'int4' not recognized")]
    [InlineData("bench", "--batches", "1,x", "--batches must be comma-separated batch sizes")]
    public void Bad_option_values_fail_with_exit_1(string command, string option, string value, string expected)
    {
        using var folder = new TemporaryDirectory();
        var checkpoint = WriteCheckpoint(folder, "ckpt", 8);
        string[] arguments = command == "export"
            ? ["export", "--checkpoint", checkpoint, "--out", folder.File("m.onnx"), option, value]
            : ["bench", "forward", "--checkpoint", checkpoint, "--model", folder.File("missing.onnx"), option, value];

        var result = TrainRunner.Run(arguments);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(expected, result.StandardError);
    }

    [Fact]
    public void Evaluate_rejects_a_missing_model_with_one_line()
    {
        using var folder = new TemporaryDirectory();
        SyntheticDatasetWriter.Write(new SyntheticDatasetOptions { Count = 1, Seed = 1, Size = 96 }, folder.File("data"));

        var result = TrainRunner.Run("evaluate", "--model", folder.File("none.onnx"), "--data", folder.File("data"));

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"error: --model: {folder.File("none.onnx")} does not exist", result.StandardError.Trim());
    }
}
