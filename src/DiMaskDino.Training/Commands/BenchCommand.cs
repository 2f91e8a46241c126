// dimaskdino-train bench forward: the exported model's forward in ONNX Runtime (CPU EP) against the same weights in
// TorchSharp eager (DiMaskDinoModel.Infer), side by side in one process, same inputs, same thread count
// (docs/benchmarks.md, "ONNX Runtime vs TorchSharp forward"). A lossy export is compared with the checkpoint
// rounded exactly as the export rounds it, so the outputs must agree as closely as export --verify demands.

using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using DiMaskDino.Hosting;
using DiMaskDino.Model;
using DiMaskDino.Model.Export;
using DiMaskDino.Model.Training;
using Microsoft.ML.OnnxRuntime;
using static TorchSharp.torch;

namespace DiMaskDino.Training.Commands;

/// <summary><c>dimaskdino-train bench forward --checkpoint CKPT --model MODEL.onnx [--batches 1,8] [--runs 20] [--threads 2]</c></summary>
internal static class BenchCommand
{
    private const int WarmUpRuns = 3;

    public static Command Create()
    {
        var checkpoint = new Option<DirectoryInfo>("--checkpoint") { Description = "Checkpoint folder the model was exported from.", Required = true };
        var model = new Option<FileInfo>("--model") { Description = "The exported ONNX model (any --weights).", Required = true };
        var batches = new Option<string>("--batches") { Description = "Comma-separated batch sizes.", DefaultValueFactory = _ => "1,8" };
        var runs = new Option<int>("--runs") { Description = "Timed runs per engine and batch size (median reported).", DefaultValueFactory = _ => 20 };
        var threads = new Option<int>("--threads") { Description = "Threads for both engines (torch.set_num_threads, ORT intra-op).", DefaultValueFactory = _ => 2 };
        var forward = new Command("forward", "Forward time of an exported model in ONNX Runtime vs the same weights in TorchSharp eager, side by side.")
        {
            checkpoint, model, batches, runs, threads,
        };
        forward.SetAction((parse, cancellationToken) => CommandErrors.RunAsync(
            ct => Task.FromResult(Run(
                parse.GetValue(checkpoint)!, parse.GetValue(model)!, ParseBatches(parse.GetValue(batches)!), parse.GetValue(runs), parse.GetValue(threads), ct)),
            cancellationToken));
        return new Command("bench", "Benchmarks of the training host.") { forward, SizedForwardBench.Create() };
    }

    private static int[] ParseBatches(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var sizes = parts.Select(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 256 ? n : -1).ToArray();
        return sizes.Length == 0 || sizes.Contains(-1)
            ? throw new CliInputException($"--batches must be comma-separated batch sizes from 1 to 256, got \"{text}\"")
            : sizes;
    }

    private static int Run(DirectoryInfo checkpoint, FileInfo modelFile, int[] batches, int runs, int threads, CancellationToken cancellationToken)
    {
        if (!File.Exists(Path.Combine(checkpoint.FullName, Checkpoint.StateFile)))
        {
            throw new CliInputException($"--checkpoint: {checkpoint.FullName} is not a checkpoint (no {Checkpoint.StateFile})");
        }

        if (runs < 1 || threads < 1)
        {
            throw new CliInputException($"--runs and --threads must be at least 1, got {runs} and {threads}");
        }

        set_num_threads(threads);
        using var onnx = new OnnxForward(modelFile.FullName, threads);
        var state = Checkpoint.ReadState(checkpoint.FullName);
        using var model = DiMaskDinoBuilder.Build(state.ToModelOptions());
        Checkpoint.LoadModel(checkpoint.FullName, model);
        model.eval();
        if (onnx.Precision != WeightPrecision.Float32)
        {
            // Building the graph again rounds the model's weights exactly as the file stores them (the graph is dropped).
            _ = OnnxExporter.Build(model, onnx.InputSize, onnx.InputSize, onnx.Precision);
        }

        var before = File.Exists(LoadAverageFile) ? File.ReadAllText(LoadAverageFile) : null;
        Console.WriteLine($"model {modelFile.Name} ({onnx.Precision.MetadataValue()} weights, {onnx.InputSize}x{onnx.InputSize}), {threads} threads, " +
                          $"median of {runs} runs after {WarmUpRuns} warm-up runs, runs of the two engines interleaved");
        Console.WriteLine("| batch | TorchSharp eager ms | ONNX Runtime ms | ORT speed-up | TorchSharp ms/image | ORT ms/image | max-abs masks (allowed) |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        var failed = false;
        foreach (var batch in batches)
        {
            var row = Measure(model, onnx, batch, runs, cancellationToken);
            failed |= !(row.MaskError <= row.Allowed && row.OtherError <= ExportCommand.VerifyTolerance * row.OtherMagnitude);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {batch} | {row.TorchMs:F1} | {row.OrtMs:F1} | {row.TorchMs / row.OrtMs:F2}x | {row.TorchMs / batch:F1} | {row.OrtMs / batch:F1} | {row.MaskError:E1} ({row.Allowed:E1}) |"));
        }

        Console.WriteLine($"load average before / after: {LoadAverage(before)} / {LoadAverage(File.Exists(LoadAverageFile) ? File.ReadAllText(LoadAverageFile) : null)}");
        if (failed)
        {
            throw new InvalidDataException($"the two engines' outputs differ by more than {ExportCommand.VerifyTolerance:E0} × max(1, |output|): {modelFile.FullName} was not exported from this checkpoint?");
        }

        return CommandErrors.Success;
    }

    /// <summary>Linux's 1-minute load average: how busy the (shared) machine was, to judge the noise.</summary>
    private const string LoadAverageFile = "/proc/loadavg";

    private static string LoadAverage(string? contents) => contents?.Split(' ')[0] ?? "n/a";

    private sealed record Row(double TorchMs, double OrtMs, double MaskError, double Allowed, double OtherError, double OtherMagnitude);

    private static Row Measure(DiMaskDinoModel model, OnnxForward onnx, int batch, int runs, CancellationToken cancellationToken)
    {
        using var scope = NewDisposeScope();
        using var inference = inference_mode();
        using var generator = new Generator(20261125 + (ulong)batch);
        var images = rand([batch, 3, onnx.InputSize, onnx.InputSize], generator: generator) * 255;   // the same seeded inputs for both
        var input = model.Preprocess(images).contiguous();
        using var value = OrtValue.CreateTensorValueFromMemory(input.data<float>().ToArray(), input.shape);

        double TimeTorch()
        {
            var watch = Stopwatch.StartNew();
            using var outputs = model.Infer(images);
            watch.Stop();
            return watch.Elapsed.TotalMilliseconds;
        }

        double TimeOrt()
        {
            var watch = Stopwatch.StartNew();
            using var outputs = onnx.RunRaw(value);
            watch.Stop();
            return watch.Elapsed.TotalMilliseconds;
        }

        for (var i = 0; i < WarmUpRuns; i++)
        {
            TimeTorch();
            TimeOrt();
        }

        var torchTimes = new List<double>();
        var ortTimes = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            torchTimes.Add(TimeTorch());
            ortTimes.Add(TimeOrt());
        }

        using var expected = model.Infer(images);
        var actual = onnx.Run(input);
        double MaxAbs(Tensor a, Tensor b) => (a - b).abs().max().item<float>();
        double Magnitude(Tensor a) => Math.Max(1, a.abs().max().item<float>());
        var otherError = Math.Max(MaxAbs(expected.PredLogits, actual[0]), MaxAbs(expected.PredBoxes, actual[1]));
        var otherMagnitude = Math.Max(Magnitude(expected.PredLogits), Magnitude(expected.PredBoxes));
        return new Row(
            Median(torchTimes), Median(ortTimes), MaxAbs(expected.PredMasks, actual[2]),
            ExportCommand.VerifyTolerance * Magnitude(expected.PredMasks), otherError, otherMagnitude);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
