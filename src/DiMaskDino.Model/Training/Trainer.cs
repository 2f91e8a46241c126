// The training run (model.md §11/§12): where it starts from (fresh with ImageNet backbone weights, --init from another
// checkpoint, or --resume of its own), the model, optimizer and random streams it builds, then TrainingLoop.

using System.Diagnostics;
using DiMaskDino.Model.Backbone;
using DiMaskDino.Model.Data;
using DiMaskDino.Model.Data.Augmentation;
using DiMaskDino.Model.Evaluation;
using DiMaskDino.Model.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Training;

/// <summary>Where a run reads its data and writes its checkpoints and metrics.</summary>
/// <param name="TrainFolder">COCO folder (annotations.json + images/)</param>
/// <param name="ValidationFolder">COCO folder evaluated after every epoch, or null</param>
/// <param name="OutputFolder">run folder: checkpoints/, metrics.jsonl</param>
/// <param name="Resume">continue from the last checkpoint in <paramref name="OutputFolder"/></param>
/// <param name="InitCheckpoint">checkpoint folder to fine-tune from (classes mapped by name), or null</param>
public sealed record TrainingRun(string TrainFolder, string? ValidationFolder, string OutputFolder, bool Resume = false, string? InitCheckpoint = null);

/// <summary>Summary of a finished (or cancelled) run.</summary>
public sealed record TrainingSummary(
    int Epochs, int Iterations, string LastCheckpoint, ValidationResult? LastValidation, double StartRssMb, double EndRssMb, TimeSpan Elapsed);

public sealed class Trainer(ModelOptions modelOptions, TrainingOptions options)
{
    public const string CheckpointsFolder = "checkpoints";
    public const string LastCheckpointName = "last";
    public const string MetricsFile = "metrics.jsonl";

    public async Task<TrainingSummary> RunAsync(TrainingRun run, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        if (run.Resume && run.InitCheckpoint is not null)
        {
            throw new ArgumentException("a run either resumes from its own last checkpoint or starts from --init, not both");
        }

        var pretrained = run.Resume || run.InitCheckpoint is not null || !UsesCntkResNet18(modelOptions)
            ? null
            : await ResNetWeightsImporter.ReadCntkResNet18Async(cancellationToken: cancellationToken);
        return Run(run, pretrained, progress, cancellationToken);
    }

    private TrainingSummary Run(TrainingRun run, PretrainedWeights? pretrained, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        set_num_threads(options.Threads);
        var device = ResolveDevice(options.Device);
        manual_seed(options.Seed);
        var clock = Stopwatch.StartNew();
        var startRss = RssMb();

        var train = CocoInstanceDataset.OpenFolder(run.TrainFolder);
        var validation = run.ValidationFolder is null ? null : CocoInstanceDataset.OpenFolder(run.ValidationFolder);
        var paths = RunPaths.In(run.OutputFolder);
        var resumeState = run.Resume ? Checkpoint.ReadState(paths.Last) : null;
        var model = resumeState?.ToModelOptions() ?? modelOptions with { NumClasses = train.Categories.Count };

        using var network = BuildNetwork(model, run, resumeState, pretrained, train, progress);
        if (options.FreezeBackbone)
        {
            FreezeBackbone(network);
        }

        network.to(device);
        var groups = ParameterGroups.Create(network, options);
        using var optimizer = groups.CreateOptimizer(options);
        if (resumeState is not null)
        {
            Checkpoint.LoadOptimizer(paths.Last, optimizer);
        }

        using var loader = OpenLoader(train, resumeState);
        using var generator = StepGenerator(resumeState);
        using var metrics = new MetricsLog(paths.Metrics);
        var iterationsPerEpoch = Math.Max(1, loader.EpochLength / options.BatchSize);
        var start = resumeState is null
            ? new TrainingLoop.Position(Epoch: 0, Iteration: 0, TotalIterations: options.Epochs * iterationsPerEpoch)
            : new TrainingLoop.Position(resumeState.Epoch, resumeState.Iteration, resumeState.TotalIterations);
        var timeBox = resumeState is null && options.TimeBudget is { } budget ? new TimeBox(budget, options.TimingSteps) : null;

        var loop = new TrainingLoop(
            options, network, groups, optimizer, SetCriterion.FromOptions(model), loader, generator, metrics, paths, iterationsPerEpoch, timeBox,
            (epoch, iteration, total, random, validated) => State(model, train, epoch, iteration, total, run.TrainFolder, validated, random),
            device, validation, progress);
        var end = loop.Run(start, cancellationToken);
        return new TrainingSummary(end.Epoch - start.Epoch, end.Iteration, paths.Last, loop.LastValidation, startRss, RssMb(), clock.Elapsed);
    }

    /// <summary>The network with its starting weights: the run's own last checkpoint, a fine-tuning checkpoint, or ImageNet backbone weights.</summary>
    private static DiMaskDinoModel BuildNetwork(
        ModelOptions model, TrainingRun run, CheckpointState? resumeState, PretrainedWeights? pretrained, CocoInstanceDataset train,
        IProgress<TrainingProgress>? progress)
    {
        var network = DiMaskDinoBuilder.Build(model);
        try
        {
            if (resumeState is not null)
            {
                Checkpoint.LoadModel(RunPaths.In(run.OutputFolder).Last, network);
            }
            else if (run.InitCheckpoint is not null)
            {
                var mapping = ClassMappingFor(run.InitCheckpoint, train);
                InitialWeights.Load(run.InitCheckpoint, network, mapping);
                progress?.Report(new TrainingProgress(0, 0, 0, double.NaN, 0, $"initialised from {run.InitCheckpoint}") { Mapping = mapping });
            }
            else if (pretrained is not null)
            {
                network.LoadPretrainedBackbone(pretrained);
            }

            return network;
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <summary>How the classes of checkpoint <paramref name="checkpoint"/> map onto the dataset's (by name).</summary>
    private static ClassMapping ClassMappingFor(string checkpoint, CocoInstanceDataset train) => ClassMapping.Create(
        [.. Checkpoint.ReadState(checkpoint).Categories.Select(c => c.Name)], [.. train.Categories.Categories.Select(c => c.Name)]);

    /// <summary>Stops gradients to every backbone parameter (the optimiser then leaves them out).</summary>
    private static void FreezeBackbone(DiMaskDinoModel network)
    {
        foreach (var parameter in network.Backbone.parameters())
        {
            parameter.requires_grad = false;
        }
    }

    /// <summary>The sample stream: from its start, or where the resumed checkpoint's loader stood.</summary>
    private TrainingLoader OpenLoader(CocoInstanceDataset train, CheckpointState? resumeState)
    {
        var lsj = new LargeScaleJitter(new LsjOptions { CanvasSize = options.CanvasSize, MinScale = options.MinScale, MaxScale = options.MaxScale });
        var epochLength = train.IndicesWithInstances.Count;
        var position = resumeState is null ? 0 : resumeState.Random?.LoaderPosition ?? (long)resumeState.Epoch * epochLength;
        return new TrainingLoader(train, lsj, new TrainingLoaderOptions { Seed = (ulong)options.Seed, StartPosition = position });
    }

    /// <summary>The generator of denoising noise and point sampling: seeded, or restored (with torch's global one) from the checkpoint.</summary>
    private Generator StepGenerator(CheckpointState? resumeState)
    {
        var generator = new Generator((ulong)options.Seed).manual_seed(options.Seed);
        if (resumeState?.Random is { } random)
        {
            random.Restore(generator);
        }
        else if (resumeState is not null)
        {
            generator.manual_seed(options.Seed + 1000L * resumeState.Epoch);   // checkpoints from before random_state existed
        }

        return generator;
    }

    private static Device ResolveDevice(TrainingDevice requested)
    {
        if (requested == TrainingDevice.Cpu)
        {
            return CPU;
        }

        return cuda.is_available()
            ? CUDA
            : throw new ArgumentException(
                "--device cuda: CUDA is not available to this process; it needs a GPU, its driver, and a build with the CUDA TorchSharp backend (dotnet build -p:TorchBackend=cuda, see docs/training.md)");
    }

    private static bool UsesCntkResNet18(ModelOptions model) =>
        model.Backbone.Block == ResNetBlockKind.Basic && model.Backbone.BlocksPerStage.SequenceEqual(ResNetConfig.CntkResNet18.BlocksPerStage);

    private CheckpointState State(
        ModelOptions model, CocoInstanceDataset train, int epoch, int iteration, int totalIterations, string trainFolder, ValidationResult? validation,
        RandomState random) => new()
    {
        Preset = model.Preset.ToString().ToLowerInvariant(),
        DeImbalance = model.DeImbalance,
        Bato = model.Bato,
        Normalization = new CheckpointNormalization(model.Normalization.Order.ToString().ToLowerInvariant(), model.Normalization.Mean, model.Normalization.Std),
        Categories = [.. train.Categories.Categories.Select(c => new CheckpointCategory(c.Id, c.Name))],
        Architecture = CheckpointArchitecture.From(model),
        Epoch = epoch,
        Iteration = iteration,
        TotalIterations = totalIterations,
        CanvasSize = options.CanvasSize,
        Seed = options.Seed,
        TrainingData = trainFolder,
        Metrics = validation is null ? [] : [new CheckpointMetric("ap_box", validation.ApBox), new CheckpointMetric("ap_mask", validation.ApMask)],
        Random = random,
    };

    internal static double RssMb() => Process.GetCurrentProcess().WorkingSet64 / (1024.0 * 1024.0);
}

/// <summary>The files of a run folder.</summary>
internal sealed record RunPaths(string Checkpoints, string Last, string Metrics)
{
    public static RunPaths In(string outputFolder)
    {
        var checkpoints = Path.Combine(outputFolder, Trainer.CheckpointsFolder);
        Directory.CreateDirectory(checkpoints);
        return new RunPaths(checkpoints, Path.Combine(checkpoints, Trainer.LastCheckpointName), Path.Combine(outputFolder, Trainer.MetricsFile));
    }

    public string Epoch(int epoch) => Path.Combine(Checkpoints, $"epoch-{epoch:D3}");
}
