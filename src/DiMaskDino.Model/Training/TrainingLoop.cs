// The training loop (model.md §11/§12; style.md tensor-lifetime rules): one dispose scope per step, model and optimizer
// outside every scope, losses read to the CPU once per logged step, validation and checkpoints every epoch. Every
// checkpoint records where each random stream stood, so a resumed run repeats the uninterrupted one bit for bit.

using System.Diagnostics;
using DiMaskDino.Model.Data;
using DiMaskDino.Model.Evaluation;
using DiMaskDino.Model.Losses;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Training;

/// <summary>The checkpoint state at a step boundary.</summary>
internal delegate CheckpointState StateAt(int epoch, int iteration, int totalIterations, RandomState random, ValidationResult? validation);

internal sealed class TrainingLoop(
    TrainingOptions options, DiMaskDinoModel network, ParameterGroups groups, AdamW optimizer, SetCriterion criterion, TrainingLoader loader,
    Generator generator, MetricsLog metrics, RunPaths paths, int iterationsPerEpoch, TimeBox? timeBox, StateAt stateAt, Device device,
    CocoInstanceDataset? validation, IProgress<TrainingProgress>? progress)
{
    /// <param name="Epoch">0-based epoch the next step belongs to</param>
    /// <param name="Iteration">steps done</param>
    public sealed record Position(int Epoch, int Iteration, int TotalIterations);

    private readonly Parameter[] _parameters = network.parameters().ToArray();
    private readonly PadColor _pad = PadColor.ZeroAfter(network.Options.Normalization);
    private LearningRateSchedule _schedule = LearningRateSchedule.From(options, 1);
    private int _total;

    // Images per second over the steps since the last logged one.
    private readonly Stopwatch _window = Stopwatch.StartNew();
    private int _windowImages;

    public ValidationResult? LastValidation { get; private set; }

    /// <summary>Trains from <paramref name="start"/> to the planned end; returns where it stopped.</summary>
    public Position Run(Position start, CancellationToken cancellationToken)
    {
        Plan(start.TotalIterations);
        var iteration = start.Iteration;
        var epoch = start.Epoch;
        network.train();
        for (; iteration < _total; epoch++)
        {
            var epochLosses = new EpochLosses();
            var epochClock = Stopwatch.StartNew();
            // Epochs are iterationsPerEpoch long; a run resumed mid-epoch finishes that epoch's remaining steps.
            for (var step = iteration % iterationsPerEpoch; step < iterationsPerEpoch && iteration < _total; step++, iteration++)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    // Keep what was learned: the next --resume continues from exactly this step.
                    SaveLast(epoch, iteration);
                    cancellationToken.ThrowIfCancellationRequested();
                }

                Step(epoch, iteration, epochLosses, cancellationToken);
                AdjustTimeBox(epoch, iteration + 1);
            }

            EndEpoch(epoch, iteration, epochLosses, epochClock.Elapsed, cancellationToken);
            if (timeBox is not null && iteration < _total)
            {
                Plan(timeBox.ReplanAtEpochEnd(iteration, _total));
            }
        }

        return new Position(epoch, iteration, _total);
    }

    /// <summary>One optimisation step on the next batch.</summary>
    private void Step(int epoch, int iteration, EpochLosses epochLosses, CancellationToken cancellationToken)
    {
        var samples = loader.NextBatch(options.BatchSize, cancellationToken);
        groups.ApplyLearningRate(optimizer, options.LearningRate, _schedule.Factor(iteration));
        using var scope = NewDisposeScope();
        using var batch = Collate.Training(samples, _pad).To(device);
        using var outputs = network.ForwardTraining(batch.Images, batch.Targets, generator);
        using var losses = criterion.Compute(outputs, batch.Targets, generator);
        optimizer.zero_grad();
        losses.Total.backward();
        nn.utils.clip_grad_norm_(_parameters, options.GradientClipNorm);
        optimizer.step();
        _windowImages += samples.Count;
        var speed = _windowImages / Math.Max(1e-9, _window.Elapsed.TotalSeconds);
        if (iteration % options.LogEvery != 0 && iteration != _total - 1)
        {
            progress?.Report(new TrainingProgress(epoch, iteration + 1, _total, double.NaN, speed));
            return;
        }

        var values = losses.ReadValues();
        metrics.Write(new StepMetrics(
            "train", epoch, iteration, options.LearningRate * _schedule.Factor(iteration), values.Total,
            values.Entries.ToDictionary(e => e.Name, e => (double)e.Weighted), speed, Trainer.RssMb()));
        var main = values.Entries.Where(e => e.Set.Kind == LossSetKind.Main).Select(e => (e.Term.ToString().ToLowerInvariant(), (double)e.Value)).ToList();
        epochLosses.Add(values.Total, main);
        progress?.Report(new TrainingProgress(epoch, iteration + 1, _total, values.Total, speed, MainLosses: main));
        _window.Restart();
        _windowImages = 0;
    }

    /// <summary>Fixes a time-boxed run's length after its timing steps, and ends it once the budget is spent.</summary>
    private void AdjustTimeBox(int epoch, int done)
    {
        if (timeBox is null)
        {
            return;
        }

        if (timeBox.Expired)
        {
            Plan(done);
            progress?.Report(new TrainingProgress(epoch, done, done, double.NaN, 0, $"time budget spent: stopping after {done} iterations"));
        }
        else if (timeBox.PlanAfterTimingSteps(done) is { } planned)
        {
            Plan(planned);
            progress?.Report(new TrainingProgress(epoch, done, _total, double.NaN, 0,
                $"time-boxed: {_total} iterations planned from the first {done}, lr drop at {_schedule.DecayIteration}"));
        }
    }

    /// <summary>Validation, the per-epoch report line and the epoch's checkpoints.</summary>
    private void EndEpoch(int epoch, int iteration, EpochLosses losses, TimeSpan elapsed, CancellationToken cancellationToken)
    {
        if (validation is not null)
        {
            LastValidation = Validate(epoch, iteration, cancellationToken);
        }

        var epochs = (_total + iterationsPerEpoch - 1) / iterationsPerEpoch;
        progress?.Report(new TrainingProgress(epoch, iteration, _total, double.NaN, 0,
            EpochReport.Line(epoch, epochs, iteration, _total, elapsed, losses, LastValidation)));
        var state = stateAt(epoch + 1, iteration, _total, RandomState.Capture(loader.Position, generator), LastValidation);
        // Every epoch keeps its weights; only the last checkpoint carries the (twice as large) optimizer state.
        Checkpoint.Save(paths.Epoch(epoch + 1), network, optimizer: null, state);
        Checkpoint.Save(paths.Last, network, optimizer, state);
    }

    private void SaveLast(int epoch, int iteration) =>
        Checkpoint.Save(paths.Last, network, optimizer, stateAt(epoch, iteration, _total, RandomState.Capture(loader.Position, generator), LastValidation));

    private ValidationResult Validate(int epoch, int iteration, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var result = ValidationRunner.Evaluate(network, validation!, options.CanvasSize, options.BatchSize, perLayer: true, cancellationToken);
        metrics.Write(new EvalMetrics(
            "eval", epoch, iteration, result.ApBox, result.ApMask, result.Box.Stats, result.Mask.Stats,
            [.. result.PerLayer.Select(l => new LayerMetrics(l.Layer, l.ApBox, l.ApMask))], clock.Elapsed.TotalSeconds));
        return result;
    }

    private void Plan(int totalIterations)
    {
        _total = totalIterations;
        _schedule = LearningRateSchedule.From(options, totalIterations);
    }
}
