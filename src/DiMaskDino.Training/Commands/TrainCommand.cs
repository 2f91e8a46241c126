using DiMaskDino.Hosting;
using System.CommandLine;
using System.Text.Json;
using DiMaskDino.Model;
using DiMaskDino.Model.Export;
using DiMaskDino.Model.Training;
using DiMaskDino.Reports;
using DiMaskDino.Training.Storage;
using Spectre.Console;

namespace DiMaskDino.Training.Commands;

/// <summary>
/// <c>dimaskdino-train train (--data DIR | --data-blob CONTAINER/PREFIX) [--val DIR | --val-blob CONTAINER/PREFIX] --preset tiny --out RUN
/// [--epochs E] [--time-budget MIN] [--no-di] [--no-bato] [--resume] [--publish models/NAME.onnx [--overwrite]]</c>
/// </summary>
/// <remarks>
/// The blob options let the Container Apps training job (which has no local data) fetch its dataset from
/// <c>datasets/</c> into a cache folder and publish RUN/model.onnx to <c>models/</c> when the run ends.
/// </remarks>
internal static class TrainCommand
{
    public const string CurvesFile = "curves.png";

    /// <summary>The run's last checkpoint exported to ONNX (issue 4: the training job exports at the end of a run).</summary>
    public const string ModelFile = "model.onnx";

    public static Command Create()
    {
        var data = new Option<DirectoryInfo?>("--data") { Description = "Training set: a COCO folder (annotations.json + images/). Give this or --data-blob." };
        var val = new Option<DirectoryInfo?>("--val") { Description = "Validation set evaluated after every epoch (APbox, APmask, per decoder layer)." };
        var dataBlob = new Option<string?>("--data-blob") { Description = "Training set in blob storage: CONTAINER/PREFIX holding annotations.json + images/, e.g. datasets/shapes/train; downloaded to --cache first." };
        var valBlob = new Option<string?>("--val-blob") { Description = "Validation set in blob storage, e.g. datasets/shapes/val." };
        var cache = new Option<DirectoryInfo?>("--cache") { Description = "Where --data-blob/--val-blob are downloaded (CACHE/CONTAINER/PREFIX; files already there unchanged are kept). Default: RUN/blob-cache." };
        var publish = new Option<string?>(ModelPublisher.Option) { Description = "Upload RUN/model.onnx to this blob when the run ends, e.g. models/tiny-01.onnx (a new model there starts a checkpoint evaluation)." };
        var overwrite = new Option<bool>("--overwrite") { Description = "Let --publish replace an existing model blob." };
        var storage = new BlobStorageArguments();
        var preset = new Option<ModelPreset>("--preset") { Description = "tiny (CPU, ResNet-18) or paper (ResNet-50).", DefaultValueFactory = _ => ModelPreset.Tiny };
        var output = new Option<DirectoryInfo>("--out") { Description = "Run folder: checkpoints/, metrics.jsonl, curves.png.", Required = true };
        var epochs = new Option<int>("--epochs") { Description = "Epochs (ignored when --time-budget fixes the length).", DefaultValueFactory = _ => 12 };
        var batch = new Option<int?>("--batch") { Description = "Images per step (default: the preset's)." };
        var learningRate = new Option<double?>("--lr") { Description = "Base learning rate (default: the preset's)." };
        var canvas = new Option<int?>("--canvas") { Description = "Square training canvas in pixels (default: the preset's)." };
        var budget = new Option<double?>("--time-budget") { Description = "Minutes: time-box the run (model.md §12)." };
        var warmup = new Option<int>("--warmup") { Description = "Warm-up iterations.", DefaultValueFactory = _ => 0 };
        var noDi = new Option<bool>("--no-di") { Description = "Switch the De-Imbalance module off (ablation)." };
        var noBato = new Option<bool>("--no-bato") { Description = "Switch Balance-Aware Tokens Optimization off (ablation)." };
        var resume = new Option<bool>("--resume") { Description = "Continue from RUN/checkpoints/last." };
        var threads = new Option<int>("--threads") { Description = "torch threads.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var seed = new Option<int>("--seed") { Description = "Random seed.", DefaultValueFactory = _ => 1 };
        var device = new Option<TrainingDevice>("--device") { Description = "cpu or cuda (cuda needs the CUDA TorchSharp build, see docs/training.md).", DefaultValueFactory = _ => TrainingDevice.Cpu };

        var command = new Command("train", "Train DI-MaskDINO on a COCO-format dataset.")
        {
            data, val, dataBlob, valBlob, cache, publish, overwrite, preset, output, epochs, batch, learningRate, canvas, budget, warmup, noDi, noBato, resume, threads, seed, device,
        };
        foreach (var option in storage.All)
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, cancellationToken) => CommandErrors.RunAsync(
            ct =>
            {
                var defaults = parse.GetValue(preset) == ModelPreset.Tiny ? TrainingOptions.Tiny : TrainingOptions.Paper;
                var training = defaults with
                {
                    Epochs = parse.GetValue(epochs),
                    BatchSize = parse.GetValue(batch) ?? defaults.BatchSize,
                    LearningRate = parse.GetValue(learningRate) ?? defaults.LearningRate,
                    CanvasSize = parse.GetValue(canvas) ?? defaults.CanvasSize,
                    TimeBudget = parse.GetValue(budget) is { } minutes ? TimeSpan.FromMinutes(minutes) : null,
                    WarmupIterations = parse.GetValue(warmup),
                    Threads = parse.GetValue(threads),
                    Seed = parse.GetValue(seed),
                    Device = parse.GetValue(device),
                };
                var model = ModelOptions.For(parse.GetValue(preset), numClasses: 1) with { DeImbalance = !parse.GetValue(noDi), Bato = !parse.GetValue(noBato) };
                var blobs = new BlobInputs(
                    parse.GetValue(dataBlob) is { } d ? BlobReference.Parse(d, "--data-blob") : null,
                    parse.GetValue(valBlob) is { } v ? BlobReference.Parse(v, "--val-blob") : null,
                    parse.GetValue(publish) is { } p ? ModelPublisher.ParseTarget(p) : null,
                    parse.GetValue(overwrite),
                    parse.GetValue(cache));
                return RunAsync(parse, storage, parse.GetValue(data), parse.GetValue(val), blobs, parse.GetValue(output)!, model, training, parse.GetValue(resume), ct);
            },
            cancellationToken));
        return command;
    }

    /// <summary>The blob options of one run.</summary>
    private sealed record BlobInputs(BlobReference? Data, BlobReference? Val, BlobReference? Publish, bool Overwrite, DirectoryInfo? Cache)
    {
        public bool Any => Data is not null || Val is not null || Publish is not null;
    }

    private static async Task<int> RunAsync(
        ParseResult parse, BlobStorageArguments storage, DirectoryInfo? localData, DirectoryInfo? localVal, BlobInputs blobs, DirectoryInfo output,
        ModelOptions model, TrainingOptions training, bool resume, CancellationToken cancellationToken)
    {
        if ((localData is null) == (blobs.Data is null))
        {
            throw new CliInputException("give the training set with --data DIR or --data-blob CONTAINER/PREFIX (one of them)");
        }

        if (localVal is not null && blobs.Val is not null)
        {
            throw new CliInputException("give the validation set with --val or --val-blob, not both");
        }

        if (blobs.Overwrite && blobs.Publish is null)
        {
            throw new CliInputException("--overwrite only applies to --publish");
        }

        training.Validate();
        if (resume && !File.Exists(Path.Combine(output.FullName, Trainer.CheckpointsFolder, Trainer.LastCheckpointName, Checkpoint.StateFile)))
        {
            throw new CliInputException($"--resume: no checkpoint to resume from in {output.FullName}");
        }

        if (!resume && File.Exists(Path.Combine(output.FullName, Trainer.MetricsFile)))
        {
            throw new CliInputException($"--out: {output.FullName} already holds a run; use --resume to continue it or choose another folder");
        }

        var service = blobs.Any ? storage.Resolve(parse) : null;
        if (service is not null && blobs.Publish is { } target)
        {
            await ModelPublisher.CheckTargetAsync(service, target, blobs.Overwrite, cancellationToken);
        }

        var cacheRoot = blobs.Cache?.FullName ?? Path.Combine(output.FullName, "blob-cache");
        var data = localData ?? await DownloadAsync(service!, blobs.Data!, cacheRoot, "--data-blob", cancellationToken);
        var val = localVal ?? (blobs.Val is { } valBlob ? await DownloadAsync(service!, valBlob, cacheRoot, "--val-blob", cancellationToken) : null);
        RequireDataset(data, "--data");
        if (val is not null)
        {
            RequireDataset(val, "--val");
        }

        output.Create();
        var trainer = new Trainer(model, training);
        var run = new TrainingRun(data.FullName, val?.FullName, output.FullName, resume);
        TrainingSummary summary;
        if (AnsiConsole.Profile.Capabilities.Interactive)
        {
            summary = await AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask("training");
                    var progress = new Progress<TrainingProgress>(p => Update(task, p));
                    return await Task.Run(() => trainer.RunAsync(run, progress, cancellationToken), cancellationToken);
                });
        }
        else
        {
            var progress = new Progress<TrainingProgress>(Print);
            summary = await Task.Run(() => trainer.RunAsync(run, progress, cancellationToken), cancellationToken);
        }

        WriteCurves(output.FullName);
        using (var exported = CheckpointExporter.Export(summary.LastCheckpoint))
        {
            CheckpointExporter.Save(exported.Onnx, Path.Combine(output.FullName, ModelFile));
        }

        Console.WriteLine($"model: {Path.Combine(output.FullName, ModelFile)}");
        Console.WriteLine($"trained {summary.Iterations} iterations in {summary.Elapsed.TotalMinutes:F1} min; RSS {summary.StartRssMb:F0} MB at start, {summary.EndRssMb:F0} MB at end");
        if (summary.LastValidation is { } v)
        {
            Console.WriteLine($"validation: APbox {v.ApBox:F3}, APmask {v.ApMask:F3} on {v.Images} images");
            foreach (var layer in v.PerLayer)
            {
                Console.WriteLine($"  {layer.Layer,-8} APbox {layer.ApBox:F3}  APmask {layer.ApMask:F3}");
            }
        }

        Console.WriteLine($"checkpoint: {summary.LastCheckpoint}");
        if (service is not null && blobs.Publish is { } published)
        {
            await ModelPublisher.PublishAsync(service, Path.Combine(output.FullName, ModelFile), published, blobs.Overwrite, cancellationToken);
            Console.WriteLine($"published: {published}");
        }

        return CommandErrors.Success;
    }

    private static async Task<DirectoryInfo> DownloadAsync(
        Azure.Storage.Blobs.BlobServiceClient service, BlobReference prefix, string cacheRoot, string option, CancellationToken cancellationToken)
    {
        var folder = Path.Combine([cacheRoot, prefix.Container, .. prefix.Path.Split('/')]);
        var download = await DatasetDownloader.DownloadAsync(service, prefix, folder, option, cancellationToken);
        Console.WriteLine(
            $"{option} {prefix}: {download.Files} files, {download.Downloaded} downloaded ({download.DownloadedBytes / (1024.0 * 1024.0):F1} MiB), {download.Kept} already in {download.Folder}");
        return new DirectoryInfo(download.Folder);
    }

    private static void Update(ProgressTask task, TrainingProgress p)
    {
        task.MaxValue = p.TotalIterations;
        task.Value = p.Iteration;
        if (!double.IsNaN(p.Loss))
        {
            task.Description = $"epoch {p.Epoch + 1} loss {p.Loss:F2}{Parts(p)} {p.ImagesPerSecond:F1} img/s";
        }
        if (p.Message is not null)
        {
            AnsiConsole.MarkupLineInterpolated($"[grey]{p.Message}[/]");
        }
    }

    private static void Print(TrainingProgress p)
    {
        if (p.Message is not null)
        {
            Console.WriteLine(p.Message);
        }
        else if (!double.IsNaN(p.Loss))
        {
            Console.WriteLine($"epoch {p.Epoch + 1} iteration {p.Iteration}/{p.TotalIterations}: loss {p.Loss:F3}{Parts(p)}, {p.ImagesPerSecond:F1} img/s");
        }
    }

    /// <summary>" (ce 0.52 bbox 0.11 …)": the last layer's unweighted terms.</summary>
    private static string Parts(TrainingProgress p) =>
        p.MainLosses is { Count: > 0 } parts ? " (" + string.Join(' ', parts.Select(t => $"{t.Term} {t.Value:F2}")) + ")" : "";

    /// <summary>Draws RUN/curves.png from RUN/metrics.jsonl (all of it, so resumed runs plot whole).</summary>
    internal static void WriteCurves(string runFolder)
    {
        var loss = new List<TrainingCurvesPlot.LossPoint>();
        var ap = new List<TrainingCurvesPlot.ApPoint>();
        foreach (var line in File.ReadLines(Path.Combine(runFolder, Trainer.MetricsFile)))
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            var iteration = root.GetProperty("iteration").GetInt32();
            if (root.GetProperty("type").GetString() == "train")
            {
                loss.Add(new(iteration, root.GetProperty("loss").GetDouble()));
            }
            else
            {
                var layers = root.GetProperty("per_layer").EnumerateArray()
                    .Select(l => (l.GetProperty("layer").GetString()!, l.GetProperty("ap_box").GetDouble(), l.GetProperty("ap_mask").GetDouble()))
                    .ToList();
                ap.Add(new(iteration, root.GetProperty("ap_box").GetDouble(), root.GetProperty("ap_mask").GetDouble(), layers));
            }
        }

        var png = TrainingCurvesPlot.Render(loss, ap, $"training run {Path.GetFileName(Path.GetFullPath(runFolder))}");
        var path = Path.Combine(runFolder, CurvesFile);
        File.WriteAllBytes(path + ".tmp", png);
        File.Move(path + ".tmp", path, overwrite: true);
    }

    private static void RequireDataset(DirectoryInfo folder, string option)
    {
        if (!File.Exists(Path.Combine(folder.FullName, "annotations.json")))
        {
            throw new CliInputException($"{option}: {folder.FullName} is not a COCO folder (no annotations.json)");
        }
    }
}
