// The training loop (model.md §11/§12; style.md tensor-lifetime rules): one dispose scope per step, model and optimizer
// outside every scope, losses read to the CPU once per logged step, checkpoints and validation every epoch.

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
public sealed record TrainingRun(string TrainFolder, string? ValidationFolder, string OutputFolder, bool Resume = false);

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
        var pretrained = run.Resume || !UsesCntkResNet18(modelOptions)
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
        var checkpoints = Path.Combine(run.OutputFolder, CheckpointsFolder);
        var last = Path.Combine(checkpoints, LastCheckpointName);
        Directory.CreateDirectory(checkpoints);

        var resumeState = run.Resume ? Checkpoint.ReadState(last) : null;
        var model = resumeState?.ToModelOptions() ?? modelOptions with { NumClasses = train.Categories.Count };
        using var network = DiMaskDinoBuilder.Build(model);
        if (resumeState is not null)
        {
            Checkpoint.LoadModel(last, network);
        }
        else if (pretrained is not null)
        {
            network.LoadPretrainedBackbone(pretrained);
        }

        network.to(device);
        var groups = ParameterGroups.Create(network, options);
        using var optimizer = groups.CreateOptimizer(options);
        if (resumeState is not null)
        {
            Checkpoint.LoadOptimizer(last, optimizer);
        }

        var criterion = SetCriterion.FromOptions(model);
        var lsj = new LargeScaleJitter(new LsjOptions { CanvasSize = options.CanvasSize, MinScale = options.MinScale, MaxScale = options.MaxScale });
        var startEpoch = resumeState?.Epoch ?? 0;
        using var loader = new TrainingLoader(train, lsj, new TrainingLoaderOptions { Seed = (ulong)(options.Seed + 7919L * startEpoch) });
        var iterationsPerEpoch = Math.Max(1, loader.EpochLength / options.BatchSize);
        var totalIterations = resumeState?.TotalIterations ?? options.Epochs * iterationsPerEpoch;
        var schedule = LearningRateSchedule.From(options, totalIterations);
        var timeBoxed = resumeState is null && options.TimeBudget is not null;
        using var metrics = new MetricsLog(Path.Combine(run.OutputFolder, MetricsFile));
        using var generator = new Generator((ulong)options.Seed).manual_seed(options.Seed + 1000L * startEpoch);
        var pad = PadColor.ZeroAfter(model.Normalization);
        var parameters = network.parameters().ToArray();

        var iteration = resumeState?.Iteration ?? 0;
        ValidationResult? lastValidation = null;
        var runClock = Stopwatch.StartNew();
        var epoch = startEpoch;
        network.train();
        for (; iteration < totalIterations; epoch++)
        {
            var window = Stopwatch.StartNew();
            var windowImages = 0;
            // Epochs are iterationsPerEpoch long; a run resumed mid-epoch finishes that epoch's remaining steps.
            for (var step = iteration % iterationsPerEpoch; step < iterationsPerEpoch && iteration < totalIterations; step++, iteration++)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    // Keep what was learned: the next --resume continues from this iteration (the interrupted epoch restarts its data order).
                    Checkpoint.Save(last, network, optimizer, State(model, train, epoch, iteration, totalIterations, run.TrainFolder, lastValidation));
                    cancellationToken.ThrowIfCancellationRequested();
                }

                var samples = loader.NextBatch(options.BatchSize, cancellationToken);
                groups.ApplyLearningRate(optimizer, options.LearningRate, schedule.Factor(iteration));
                using (var scope = NewDisposeScope())
                {
                    using var batch = Collate.Training(samples, pad).To(device);
                    using var outputs = network.ForwardTraining(batch.Images, batch.Targets, generator);
                    using var losses = criterion.Compute(outputs, batch.Targets, generator);
                    optimizer.zero_grad();
                    losses.Total.backward();
                    nn.utils.clip_grad_norm_(parameters, options.GradientClipNorm);
                    optimizer.step();
                    windowImages += samples.Count;
                    var logNow = iteration % options.LogEvery == 0 || iteration == totalIterations - 1;
                    var speed = windowImages / Math.Max(1e-9, window.Elapsed.TotalSeconds);
                    if (logNow)
                    {
                        var values = losses.ReadValues();
                        metrics.Write(new StepMetrics(
                            "train", epoch, iteration, options.LearningRate * schedule.Factor(iteration), values.Total,
                            values.Entries.ToDictionary(e => e.Name, e => (double)e.Weighted), speed, RssMb()));
                        var main = values.Entries.Where(e => e.Set.Kind == LossSetKind.Main).Select(e => (e.Term.ToString().ToLowerInvariant(), (double)e.Value)).ToList();
                        progress?.Report(new TrainingProgress(epoch, iteration + 1, totalIterations, values.Total, speed, MainLosses: main));
                        window.Restart();
                        windowImages = 0;
                    }
                    else
                    {
                        progress?.Report(new TrainingProgress(epoch, iteration + 1, totalIterations, double.NaN, speed));
                    }
                }

                if (timeBoxed && iteration + 1 == options.TimingSteps)
                {
                    // §12: time-boxed schedule from the measured step time (evaluation time comes out of the 5 % margin).
                    var secondsPerStep = runClock.Elapsed.TotalSeconds / options.TimingSteps;
                    totalIterations = Math.Max(options.TimingSteps + 1, (int)(0.95 * options.TimeBudget!.Value.TotalSeconds / secondsPerStep));
                    schedule = LearningRateSchedule.From(options, totalIterations);
                    timeBoxed = false;
                    progress?.Report(new TrainingProgress(epoch, iteration + 1, totalIterations, double.NaN, 0,
                        $"time-boxed: {secondsPerStep:F2} s/step → {totalIterations} iterations, lr drop at {schedule.DecayIteration}"));
                }
            }

            if (validation is not null)
            {
                lastValidation = Validate(network, validation, epoch, iteration, metrics, progress, cancellationToken);
            }

            var state = State(model, train, epoch + 1, iteration, totalIterations, run.TrainFolder, lastValidation);
            // Every epoch keeps its weights; only the last checkpoint carries the (twice as large) optimizer state.
            Checkpoint.Save(Path.Combine(checkpoints, $"epoch-{epoch + 1:D3}"), network, optimizer: null, state);
            Checkpoint.Save(last, network, optimizer, state);
        }

        return new TrainingSummary(epoch - startEpoch, iteration, last, lastValidation, startRss, RssMb(), clock.Elapsed);
    }

    private ValidationResult Validate(
        DiMaskDinoModel network, CocoInstanceDataset validation, int epoch, int iteration, MetricsLog metrics,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var result = ValidationRunner.Evaluate(network, validation, options.CanvasSize, options.BatchSize, perLayer: true, cancellationToken);
        metrics.Write(new EvalMetrics(
            "eval", epoch, iteration, result.ApBox, result.ApMask, result.Box.Stats, result.Mask.Stats,
            [.. result.PerLayer.Select(l => new LayerMetrics(l.Layer, l.ApBox, l.ApMask))], clock.Elapsed.TotalSeconds));
        progress?.Report(new TrainingProgress(epoch, iteration, iteration, double.NaN, 0, $"epoch {epoch + 1}: APbox {result.ApBox:F3}, APmask {result.ApMask:F3}"));
        return result;
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
        ModelOptions model, CocoInstanceDataset train, int epoch, int iteration, int totalIterations, string trainFolder, ValidationResult? validation) => new()
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
    };

    private static double RssMb() => Process.GetCurrentProcess().WorkingSet64 / (1024.0 * 1024.0);
}
