using DiMaskDino.Hosting;
using System.CommandLine;
using System.Text.Json;
using DiMaskDino.Model;
using DiMaskDino.Model.Export;
using DiMaskDino.Model.Training;
using DiMaskDino.Reports;
using DiMaskDino.Training.Storage;

namespace DiMaskDino.Training.Commands;

/// <summary>
/// <c>dimaskdino-train train (--data DIR | --data-blob CONTAINER/PREFIX) [--val DIR | --val-blob CONTAINER/PREFIX] [--preset tiny|paper] --out RUN
/// [--init CHECKPOINT] [--freeze-backbone | --backbone-lr-factor F] [--epochs E] [--time-budget MIN] [--no-di] [--no-bato] [--resume]
/// [--publish models/NAME.onnx [--overwrite]]</c>
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
        var preset = new Option<ModelPreset?>("--preset") { Description = "tiny (CPU, ResNet-18) or paper (ResNet-50). Default: tiny, or with --init the checkpoint's own architecture." };
        var output = new Option<DirectoryInfo>("--out") { Description = "Run folder: checkpoints/, metrics.jsonl, curves.png.", Required = true };
        var init = new Option<DirectoryInfo?>("--init") { Description = "Fine-tune from this checkpoint folder (ours, or one written by `import`): every tensor loaded, classes matched by name." };
        var freezeBackbone = new Option<bool>("--freeze-backbone") { Description = "Keep the backbone's weights fixed (fine-tuning on few images)." };
        var backboneFactor = new Option<double?>("--backbone-lr-factor") { Description = "Backbone learning rate = this × --lr (default 0.1)." };
        var epochs = new Option<int>("--epochs") { Description = "Epochs (ignored when --time-budget fixes the length).", DefaultValueFactory = _ => 12 };
        var batch = new Option<int?>("--batch") { Description = "Images per step (default: the preset's)." };
        var learningRate = new Option<double?>("--lr") { Description = "Base learning rate (default: the preset's)." };
        var canvas = new Option<int?>("--canvas") { Description = "Square training canvas in pixels (default: the preset's)." };
        var budget = new Option<double?>("--time-budget") { Description = "Minutes: time-box the run (model.md §12); it plans its length from the first steps, re-plans after every epoch and stops when the budget is spent." };
        var warmup = new Option<int>("--warmup") { Description = "Warm-up iterations.", DefaultValueFactory = _ => 0 };
        var noDi = new Option<bool>("--no-di") { Description = "Switch the De-Imbalance module off (ablation)." };
        var noBato = new Option<bool>("--no-bato") { Description = "Switch Balance-Aware Tokens Optimization off (ablation)." };
        var resume = new Option<bool>("--resume") { Description = "Continue from RUN/checkpoints/last (exactly where it stopped, random streams included)." };
        var threads = new Option<int>("--threads") { Description = "torch threads.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var seed = new Option<int>("--seed") { Description = "Random seed.", DefaultValueFactory = _ => 1 };
        var device = new Option<TrainingDevice>("--device") { Description = "cpu or cuda (cuda needs the CUDA TorchSharp build, see docs/training.md).", DefaultValueFactory = _ => TrainingDevice.Cpu };

        var command = new Command("train", "Train DI-MaskDINO on a COCO-format dataset, from ImageNet backbone weights or (--init) from a checkpoint.")
        {
            data, val, dataBlob, valBlob, cache, publish, overwrite, preset, output, init, freezeBackbone, backboneFactor, epochs, batch, learningRate, canvas,
            budget, warmup, noDi, noBato, resume, threads, seed, device,
        };
        foreach (var option in storage.All)
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, cancellationToken) => CommandErrors.RunAsync(
            ct => RunAsync(
                parse,
                storage,
                new TrainRequest(
                    parse.GetValue(data), parse.GetValue(val),
                    new BlobInputs(
                        parse.GetValue(dataBlob) is { } d ? BlobReference.Parse(d, "--data-blob") : null,
                        parse.GetValue(valBlob) is { } v ? BlobReference.Parse(v, "--val-blob") : null,
                        parse.GetValue(publish) is { } p ? ModelPublisher.ParseTarget(p) : null,
                        parse.GetValue(overwrite),
                        parse.GetValue(cache)),
                    parse.GetValue(output)!, parse.GetValue(preset), parse.GetValue(noDi), parse.GetValue(noBato), parse.GetValue(init),
                    parse.GetValue(freezeBackbone), parse.GetValue(backboneFactor), parse.GetValue(resume))
                {
                    Epochs = parse.GetValue(epochs),
                    Batch = parse.GetValue(batch),
                    LearningRate = parse.GetValue(learningRate),
                    Canvas = parse.GetValue(canvas),
                    BudgetMinutes = parse.GetValue(budget),
                    Warmup = parse.GetValue(warmup),
                    Threads = parse.GetValue(threads),
                    Seed = parse.GetValue(seed),
                    Device = parse.GetValue(device),
                },
                ct),
            cancellationToken));
        return command;
    }

    /// <summary>The blob options of one run.</summary>
    private sealed record BlobInputs(BlobReference? Data, BlobReference? Val, BlobReference? Publish, bool Overwrite, DirectoryInfo? Cache)
    {
        public bool Any => Data is not null || Val is not null || Publish is not null;
    }

    /// <summary>Everything one <c>train</c> command line asks for.</summary>
    private sealed record TrainRequest(
        DirectoryInfo? Data, DirectoryInfo? Val, BlobInputs Blobs, DirectoryInfo Output, ModelPreset? Preset, bool NoDi, bool NoBato,
        DirectoryInfo? Init, bool FreezeBackbone, double? BackboneFactor, bool Resume)
    {
        public int Epochs { get; init; }
        public int? Batch { get; init; }
        public double? LearningRate { get; init; }
        public int? Canvas { get; init; }
        public double? BudgetMinutes { get; init; }
        public int Warmup { get; init; }
        public int Threads { get; init; }
        public int Seed { get; init; }
        public TrainingDevice Device { get; init; }
    }

    private static async Task<int> RunAsync(ParseResult parse, BlobStorageArguments storage, TrainRequest request, CancellationToken cancellationToken)
    {
        CheckArguments(request);
        var model = ModelFor(request);
        var training = TrainingFor(request, model.Preset);
        CheckRunFolder(request);

        var service = request.Blobs.Any ? storage.Resolve(parse) : null;
        if (service is not null && request.Blobs.Publish is { } target)
        {
            await ModelPublisher.CheckTargetAsync(service, target, request.Blobs.Overwrite, cancellationToken);
        }

        var (data, val) = await ResolveDatasetsAsync(request, service, cancellationToken);
        request.Output.Create();
        var run = new TrainingRun(data.FullName, val?.FullName, request.Output.FullName, request.Resume, request.Init?.FullName);
        var summary = await TrainProgressView.RunAsync(new Trainer(model, training), run, cancellationToken);

        WriteCurves(request.Output.FullName);
        ExportModel(request.Output.FullName, summary);
        PrintSummary(summary);
        if (service is not null && request.Blobs.Publish is { } published)
        {
            await ModelPublisher.PublishAsync(service, Path.Combine(request.Output.FullName, ModelFile), published, request.Blobs.Overwrite, cancellationToken);
            Console.WriteLine($"published: {published}");
        }

        return CommandErrors.Success;
    }

    /// <summary>Rejects option combinations that contradict each other, before anything is read.</summary>
    private static void CheckArguments(TrainRequest request)
    {
        if ((request.Data is null) == (request.Blobs.Data is null))
        {
            throw new CliInputException("give the training set with --data DIR or --data-blob CONTAINER/PREFIX (one of them)");
        }

        if (request.Val is not null && request.Blobs.Val is not null)
        {
            throw new CliInputException("give the validation set with --val or --val-blob, not both");
        }

        if (request.Blobs.Overwrite && request.Blobs.Publish is null)
        {
            throw new CliInputException("--overwrite only applies to --publish");
        }

        if (request.Init is not null && request.Resume)
        {
            throw new CliInputException("--init starts a new run from a checkpoint and --resume continues this run: give one of them");
        }

        if (request.FreezeBackbone && request.BackboneFactor is not null)
        {
            throw new CliInputException("--backbone-lr-factor has no effect with --freeze-backbone: give one of them");
        }
    }

    /// <summary>
    /// The network to train: the preset's (tiny by default) or, with --init, the checkpoint's own architecture unless
    /// --preset names another one (then the checkpoint is refused if its tensors do not fit). --no-di / --no-bato switch
    /// the modules off either way.
    /// </summary>
    private static ModelOptions ModelFor(TrainRequest request)
    {
        var model = ModelOptions.For(request.Preset ?? ModelPreset.Tiny, numClasses: 1);
        if (request.Init is { } init)
        {
            if (!File.Exists(Path.Combine(init.FullName, Checkpoint.StateFile)))
            {
                throw new CliInputException($"--init: {init.FullName} is not a checkpoint (no {Checkpoint.StateFile})");
            }

            var source = Checkpoint.ReadState(init.FullName).ToModelOptions();
            model = request.Preset is { } preset && preset != source.Preset ? model : source;
        }

        return model with { DeImbalance = model.DeImbalance && !request.NoDi, Bato = model.Bato && !request.NoBato };
    }

    /// <summary>The budget as a TimeSpan; its sign is TrainingOptions.Validate's to judge, only what no TimeSpan holds is refused here.</summary>
    private static TimeSpan TimeBudgetOf(double minutes) =>
        double.IsFinite(minutes) && Math.Abs(minutes) < TimeSpan.MaxValue.TotalMinutes
            ? TimeSpan.FromMinutes(minutes)
            : throw new CliInputException($"--time-budget: {minutes} minutes is out of range");

    private static TrainingOptions TrainingFor(TrainRequest request, ModelPreset preset)
    {
        var defaults = preset == ModelPreset.Tiny ? TrainingOptions.Tiny : TrainingOptions.Paper;
        var training = defaults with
        {
            Epochs = request.Epochs,
            BatchSize = request.Batch ?? defaults.BatchSize,
            LearningRate = request.LearningRate ?? defaults.LearningRate,
            CanvasSize = request.Canvas ?? defaults.CanvasSize,
            TimeBudget = request.BudgetMinutes is { } minutes ? TimeBudgetOf(minutes) : null,
            WarmupIterations = request.Warmup,
            Threads = request.Threads,
            Seed = request.Seed,
            Device = request.Device,
            FreezeBackbone = request.FreezeBackbone,
            BackboneLearningRateMultiplier = request.BackboneFactor ?? defaults.BackboneLearningRateMultiplier,
        };
        training.Validate();
        return training;
    }

    /// <summary>--resume needs a run to continue; a new run needs a folder that holds none.</summary>
    private static void CheckRunFolder(TrainRequest request)
    {
        var output = request.Output.FullName;
        if (request.Resume && !File.Exists(Path.Combine(output, Trainer.CheckpointsFolder, Trainer.LastCheckpointName, Checkpoint.StateFile)))
        {
            throw new CliInputException($"--resume: no checkpoint to resume from in {output}");
        }

        if (!request.Resume && File.Exists(Path.Combine(output, Trainer.MetricsFile)))
        {
            throw new CliInputException($"--out: {output} already holds a run; use --resume to continue it or choose another folder");
        }
    }

    /// <summary>The local training and validation folders, downloading the blob ones first.</summary>
    private static async Task<(DirectoryInfo Data, DirectoryInfo? Val)> ResolveDatasetsAsync(
        TrainRequest request, Azure.Storage.Blobs.BlobServiceClient? service, CancellationToken cancellationToken)
    {
        var blobs = request.Blobs;
        var cacheRoot = blobs.Cache?.FullName ?? Path.Combine(request.Output.FullName, "blob-cache");
        var data = request.Data ?? await DownloadAsync(service!, blobs.Data!, cacheRoot, "--data-blob", cancellationToken);
        var val = request.Val ?? (blobs.Val is { } valBlob ? await DownloadAsync(service!, valBlob, cacheRoot, "--val-blob", cancellationToken) : null);
        RequireDataset(data, "--data");
        if (val is not null)
        {
            RequireDataset(val, "--val");
        }

        return (data, val);
    }

    private static void ExportModel(string runFolder, TrainingSummary summary)
    {
        using (var exported = CheckpointExporter.Export(summary.LastCheckpoint))
        {
            CheckpointExporter.Save(exported.Onnx, Path.Combine(runFolder, ModelFile));
        }

        Console.WriteLine($"model: {Path.Combine(runFolder, ModelFile)}");
    }

    private static void PrintSummary(TrainingSummary summary)
    {
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
