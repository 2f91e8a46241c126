namespace DiMaskDino.Model.Training;

/// <summary>Where training runs. CUDA needs the CUDA build of TorchSharp (<c>-p:TorchBackend=cuda</c>, docs/training.md).</summary>
public enum TrainingDevice
{
    Cpu,
    Cuda,
}

/// <summary>Optimisation hyperparameters (model.md §11, §12). Modules and loops receive values from here, never statics.</summary>
public sealed record TrainingOptions
{
    public int Epochs { get; init; } = 12;

    public int BatchSize { get; init; } = 4;

    /// <summary>Square training canvas (LSJ target size).</summary>
    public int CanvasSize { get; init; } = 128;

    public double MinScale { get; init; } = 0.5;

    public double MaxScale { get; init; } = 1.5;

    public double LearningRate { get; init; } = 2e-4;

    public double WeightDecay { get; init; } = 0.05;

    /// <summary>Multiplier on the learning rate of every backbone parameter.</summary>
    public double BackboneLearningRateMultiplier { get; init; } = 0.1;

    /// <summary>Keep every backbone parameter at its starting value (fine-tuning on few images).</summary>
    public bool FreezeBackbone { get; init; }

    /// <summary>L2 norm of all gradients together is clipped to this.</summary>
    public double GradientClipNorm { get; init; } = 0.01;

    /// <summary>Linear warm-up from <see cref="WarmupFactor"/> to 1 over this many iterations (0 = none).</summary>
    public int WarmupIterations { get; init; }

    public double WarmupFactor { get; init; } = 0.001;

    /// <summary>Fraction of the total iterations after which the learning rate drops by <see cref="DecayFactor"/>.</summary>
    public double DecayAt { get; init; } = 0.9;

    public double DecayFactor { get; init; } = 0.1;

    /// <summary>When set, the run is time-boxed (§12): total iterations ≈ 0.95 · budget / measured step time.</summary>
    public TimeSpan? TimeBudget { get; init; }

    /// <summary>Steps timed before a time-boxed run fixes its length.</summary>
    public int TimingSteps { get; init; } = 20;

    public int Seed { get; init; } = 1;

    public TrainingDevice Device { get; init; } = TrainingDevice.Cpu;

    /// <summary>torch intra-op threads.</summary>
    public int Threads { get; init; } = 2;

    /// <summary>Log loss parts every this many steps.</summary>
    public int LogEvery { get; init; } = 20;

    public static TrainingOptions Tiny => new();

    public static TrainingOptions Paper => new()
    {
        BatchSize = 16,
        CanvasSize = 1024,
        MinScale = 0.1,
        MaxScale = 2.0,
        LearningRate = 1e-4,
        Epochs = 12,
    };

    public void Validate()
    {
        Require(Epochs >= 1, $"epochs must be at least 1, got {Epochs}");
        Require(BatchSize >= 1, $"batch size must be at least 1, got {BatchSize}");
        Require(CanvasSize >= 96 && CanvasSize % 32 == 0, $"canvas size must be a multiple of 32 and at least 96, got {CanvasSize}");
        Require(MinScale > 0 && MaxScale >= MinScale, $"scale range must satisfy 0 < min <= max, got [{MinScale}, {MaxScale}]");
        Require(LearningRate > 0 && double.IsFinite(LearningRate), $"learning rate must be a positive number, got {LearningRate}");
        Require(BackboneLearningRateMultiplier >= 0 && double.IsFinite(BackboneLearningRateMultiplier),
            $"backbone learning-rate factor must be a non-negative number, got {BackboneLearningRateMultiplier}");
        Require(WarmupIterations >= 0, $"warm-up iterations must be non-negative, got {WarmupIterations}");
        Require(Threads >= 1, $"threads must be at least 1, got {Threads}");
        Require(WeightDecay >= 0, $"weight decay must be non-negative, got {WeightDecay}");
        Require(GradientClipNorm > 0, $"gradient clip norm must be positive, got {GradientClipNorm}");
        Require(DecayAt is > 0 and <= 1, $"decay point must be in (0, 1], got {DecayAt}");
        Require(TimeBudget is null || TimeBudget > TimeSpan.Zero, "time budget must be positive");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException("invalid training options: " + message);
        }
    }
}
