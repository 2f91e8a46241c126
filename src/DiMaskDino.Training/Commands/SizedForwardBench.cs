// dimaskdino-train bench forward-size: the forward of one image at a given size (the paper's 800×1216 by default) in
// ONNX Runtime, from a size-dynamic export, and in TorchSharp eager (DiMaskDinoModel.Infer) on the same weights and
// input: median per-image time of each engine and how far their outputs are apart (docs/benchmarks.md, "Paper-size
// forward (800×1216)"). Random weights of a preset unless --checkpoint is given; --device cuda takes the same figure
// on a CUDA host; --profile writes ONNX Runtime's profile of the timed runs and prints where the time goes.

using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using DiMaskDino.Hosting;
using DiMaskDino.Model;
using DiMaskDino.Model.Export;
using DiMaskDino.Model.Training;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using static TorchSharp.torch;

namespace DiMaskDino.Training.Commands;

/// <summary>
/// <c>dimaskdino-train bench forward-size [--size 800x1216] [--preset paper | --checkpoint CKPT] [--model MODEL.onnx]
/// [--threads 2] [--runs 3] [--engines ort,torch] [--device cpu|cuda] [--profile PREFIX]</c>
/// </summary>
internal static class SizedForwardBench
{
    private const ulong InputSeed = 20261203;
    private const long WeightSeed = 20261125;

    public static Command Create()
    {
        var size = new Option<string>("--size") { Description = "Input size HxW (multiples of 32), the padded canvas of one image.", DefaultValueFactory = _ => "800x1216" };
        var preset = new Option<ModelPreset>("--preset") { Description = "Random weights of this preset (80 classes), when no --checkpoint.", DefaultValueFactory = _ => ModelPreset.Paper };
        var checkpoint = new Option<DirectoryInfo?>("--checkpoint") { Description = "Checkpoint folder to take the weights from instead of random ones." };
        var model = new Option<FileInfo?>("--model") { Description = "A size-dynamic (or this size's) export of the same weights; default: exported in memory." };
        var threads = new Option<int>("--threads") { Description = "Threads for both engines (torch.set_num_threads, ORT intra-op).", DefaultValueFactory = _ => 2 };
        var runs = new Option<int>("--runs") { Description = "Timed runs per engine after one warm-up run (median reported).", DefaultValueFactory = _ => 3 };
        var engines = new Option<string>("--engines") { Description = "Comma-separated: ort, torch.", DefaultValueFactory = _ => "ort,torch" };
        var device = new Option<TrainingDevice>("--device") { Description = "cpu or cuda (ORT's CUDA provider and TorchSharp's CUDA backend).", DefaultValueFactory = _ => TrainingDevice.Cpu };
        var profile = new Option<string?>("--profile") { Description = "File prefix for ONNX Runtime's profile of the timed runs; prints the costliest ops." };
        var command = new Command("forward-size", "Per-image forward time at one input size (default the paper's 800x1216): ONNX Runtime (size-dynamic export) and TorchSharp eager on the same weights.")
        {
            size, preset, checkpoint, model, threads, runs, engines, device, profile,
        };
        command.SetAction((parse, cancellationToken) => CommandErrors.RunAsync(
            ct => Task.FromResult(Run(
                new Settings(
                    ParseSize(parse.GetValue(size)!), parse.GetValue(preset), parse.GetValue(checkpoint), parse.GetValue(model),
                    parse.GetValue(threads), parse.GetValue(runs), ParseEngines(parse.GetValue(engines)!), parse.GetValue(device), parse.GetValue(profile)),
                ct)),
            cancellationToken));
        return command;
    }

    private sealed record Settings(
        (int Height, int Width) Size, ModelPreset Preset, DirectoryInfo? Checkpoint, FileInfo? Model, int Threads, int Runs,
        (bool Ort, bool Torch) Engines, TrainingDevice Device, string? Profile);

    private static (int, int) ParseSize(string text)
    {
        var parts = text.Split('x');
        return parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var h)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var w)
            && h > 0 && w > 0 && h % DiMaskDinoModel.SizeDivisibility == 0 && w % DiMaskDinoModel.SizeDivisibility == 0
            ? (h, w)
            : throw new CliInputException($"--size must be HxW with positive multiples of {DiMaskDinoModel.SizeDivisibility}, got \"{text}\"");
    }

    private static (bool, bool) ParseEngines(string text)
    {
        var names = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var unknown = names.FirstOrDefault(n => n is not ("ort" or "torch"));
        return unknown is not null || names.Length == 0
            ? throw new CliInputException($"--engines must list ort and/or torch, got \"{text}\"")
            : (names.Contains("ort"), names.Contains("torch"));
    }

    private static int Run(Settings settings, CancellationToken cancellationToken)
    {
        if (settings.Runs < 1 || settings.Threads < 1)
        {
            throw new CliInputException($"--runs and --threads must be at least 1, got {settings.Runs} and {settings.Threads}");
        }

        var device = settings.Device == TrainingDevice.Cuda
            ? cuda.is_available() ? CUDA : throw new CliInputException("--device cuda: CUDA is not available to TorchSharp in this process (a GPU, its driver and the CUDA TorchSharp build are needed)")
            : CPU;
        set_num_threads(settings.Threads);
        using var model = LoadModel(settings);
        var (height, width) = settings.Size;
        Console.WriteLine($"{Describe(settings)}, input 1x3x{height}x{width}, {settings.Threads} threads, {settings.Device.ToString().ToLowerInvariant()}, " +
                          $"median of {settings.Runs} runs after 1 warm-up run; load average {LoadAverage()}");

        using var scope = NewDisposeScope();
        using var inference = inference_mode();
        using var generator = new Generator(InputSeed);
        var images = rand([1, 3, height, width], generator: generator) * 255;
        var input = model.Preprocess(images).contiguous();

        Tensor[]? torchOutputs = null;
        var disagree = false;
        if (settings.Engines.Torch)
        {
            model.to(device);
            var onDevice = images.to(device);
            var (ms, outputs) = Time(settings.Runs, cancellationToken, () =>
            {
                using var result = model.Infer(onDevice);
                return [result.PredLogits.cpu().clone(), result.PredBoxes.cpu().clone(), result.PredMasks.cpu().clone()];
            });
            torchOutputs = outputs;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"TorchSharp eager: {ms / 1000:F2} s per image"));
            model.to(CPU);
        }

        if (settings.Engines.Ort)
        {
            var onnx = LoadOnnx(model, settings, out var exportSeconds);
            if (exportSeconds > 0)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"exported size-dynamic in {exportSeconds:F1} s ({onnx.Length / 1e6:F1} MB)"));
            }

            using var options = SessionOptionsFor(settings);
            var clock = Stopwatch.StartNew();
            using var session = new InferenceSession(onnx, options);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ORT session created in {clock.Elapsed.TotalSeconds:F1} s"));
            using var value = OrtValue.CreateTensorValueFromMemory(input.data<float>().ToArray(), input.shape);
            using var runOptions = new RunOptions();
            var (ms, outputs) = Time(settings.Runs, cancellationToken, () =>
            {
                using var results = session.Run(runOptions, [OnnxExporter.ImagesInput], [value], [.. OnnxExporter.InferenceOutputs]);
                return [.. results.Select(r => tensor(r.GetTensorDataAsSpan<float>().ToArray(), r.GetTensorTypeAndShape().Shape))];
            });
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ONNX Runtime: {ms / 1000:F2} s per image"));
            if (settings.Profile is not null)
            {
                PrintProfile(session.EndProfiling());
            }

            if (torchOutputs is not null)
            {
                for (var i = 0; i < outputs.Length; i++)
                {
                    using var difference = (torchOutputs[i] - outputs[i]).abs().max();
                    using var magnitude = torchOutputs[i].abs().max();
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"max-abs ORT vs TorchSharp {OnnxExporter.InferenceOutputs[i]}: {difference.item<float>():E2} (max |TorchSharp| {magnitude.item<float>():G3})"));
                    disagree |= !(difference.item<float>() <= ExportCommand.VerifyTolerance * Math.Max(1, magnitude.item<float>()));
                }
            }
        }

        Console.WriteLine($"load average after: {LoadAverage()}");
        return disagree
            ? throw new InvalidDataException($"the two engines' outputs differ by more than {ExportCommand.VerifyTolerance:E0} × max(1, |output|): --model was not exported from these weights?")
            : CommandErrors.Success;
    }

    /// <summary>One warm-up run, then <paramref name="runs"/> timed ones; the median in ms and the last outputs.</summary>
    private static (double Median, Tensor[] Outputs) Time(int runs, CancellationToken cancellationToken, Func<Tensor[]> forward)
    {
        var outputs = forward();
        var times = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            outputs = forward();
            times.Add(clock.Elapsed.TotalMilliseconds);
            // On a shared machine the process's CPU time varies less than the wall clock (it still includes cache contention).
            var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  run {i + 1}: {times[^1] / 1000:F2} s wall, {cpu.TotalSeconds:F2} s CPU (load average {LoadAverage()})"));
        }

        var sorted = times.Order().ToArray();
        var median = sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
        return (median, outputs);
    }

    private static DiMaskDinoModel LoadModel(Settings settings)
    {
        if (settings.Checkpoint is { } folder)
        {
            if (!File.Exists(Path.Combine(folder.FullName, Checkpoint.StateFile)))
            {
                throw new CliInputException($"--checkpoint: {folder.FullName} is not a checkpoint (no {Checkpoint.StateFile})");
            }

            var loaded = DiMaskDinoBuilder.Build(Checkpoint.ReadState(folder.FullName).ToModelOptions());
            Checkpoint.LoadModel(folder.FullName, loaded);
            loaded.eval();
            return loaded;
        }

        random.manual_seed(WeightSeed);
        var model = DiMaskDinoBuilder.Build(ModelOptions.For(settings.Preset, 80));
        model.eval();
        return model;
    }

    private static byte[] LoadOnnx(DiMaskDinoModel model, Settings settings, out double exportSeconds)
    {
        exportSeconds = 0;
        if (settings.Model is { } file)
        {
            return file.Exists ? File.ReadAllBytes(file.FullName) : throw new CliInputException($"--model: {file.FullName} does not exist");
        }

        var clock = Stopwatch.StartNew();
        var bytes = OnnxExporter.Export(model, null, null, WeightPrecision.Float32);
        exportSeconds = clock.Elapsed.TotalSeconds;
        return bytes;
    }

    private static SessionOptions SessionOptionsFor(Settings settings)
    {
        var options = new SessionOptions
        {
            IntraOpNumThreads = settings.Threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        try
        {
            if (settings.Device == TrainingDevice.Cuda)
            {
                options.AppendExecutionProvider_CUDA(0);
            }

            if (settings.Profile is { } prefix)
            {
                // The prefix is read when profiling is switched on.
                options.ProfileOutputPathPrefix = prefix;
                options.EnableProfiling = true;
            }

            return options;
        }
        catch (OnnxRuntimeException e)
        {
            options.Dispose();
            throw new CliInputException($"--device cuda: ONNX Runtime's CUDA provider cannot be loaded: {e.Message.ReplaceLineEndings(" ")}");
        }
    }

    private static void PrintProfile(string path)
    {
        var summary = OrtProfileSummary.Read(path);
        Console.WriteLine($"ORT profile {path} (warm-up and timed runs): kernel time {summary.TotalMilliseconds / 1000:F2} s");
        Console.WriteLine("| op type | ms | share | calls |");
        Console.WriteLine("|---|---|---|---|");
        foreach (var (op, ms, calls) in summary.ByOpType.Take(15))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {op} | {ms:F0} | {ms / summary.TotalMilliseconds:P1} | {calls} |"));
        }

        Console.WriteLine("| costliest nodes | op | ms |");
        Console.WriteLine("|---|---|---|");
        foreach (var (node, op, ms) in summary.ByNode.Take(20))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {node} | {op} | {ms:F0} |"));
        }
    }

    private static string Describe(Settings settings) => settings.Checkpoint is { } folder
        ? $"checkpoint {folder.Name}"
        : $"random weights of the {settings.Preset.ToString().ToLowerInvariant()} preset (seed {WeightSeed})";

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";
}
