using DiMaskDino.Model.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.Training;

public sealed class OptimizationTests
{
    private sealed class Net : nn.Module<Tensor, Tensor>
    {
        private readonly Sequential backbone;
        private readonly Linear head;
        private readonly LayerNorm norm;
        private readonly Embedding label_enc;

        public Net() : base(nameof(Net))
        {
            backbone = nn.Sequential(("conv", nn.Conv2d(3, 4, 3)), ("gn", nn.GroupNorm(2, 4)));
            head = nn.Linear(4, 2);
            norm = nn.LayerNorm(4);
            label_enc = nn.Embedding(3, 4);
            RegisterComponents();
        }

        public override Tensor forward(Tensor input) => head.call(norm.call(input));
    }

    [Fact]
    public void Norms_and_embeddings_get_no_weight_decay_and_the_backbone_a_tenth_of_the_rate()
    {
        using var net = new Net();
        var options = new TrainingOptions { LearningRate = 1e-3, WeightDecay = 0.05, BackboneLearningRateMultiplier = 0.1 };
        var groups = ParameterGroups.Create(net, options);

        var byName = groups.Groups.ToDictionary(g => g.Name);
        Assert.Equal(2, byName["backbone/decay"].Parameters.Count);      // conv weight + bias
        Assert.Equal(2, byName["backbone/no-decay"].Parameters.Count);   // GN weight + bias
        Assert.Equal(2, byName["head/decay"].Parameters.Count);          // linear weight + bias
        Assert.Equal(3, byName["head/no-decay"].Parameters.Count);       // LN weight + bias, embedding
        Assert.Equal(0.1, byName["backbone/decay"].LearningRateScale);
        Assert.Equal(0.0, byName["head/no-decay"].WeightDecay);
        Assert.Equal(net.parameters().Count(), groups.ParameterCount);

        using var optimizer = groups.CreateOptimizer(options);
        groups.ApplyLearningRate(optimizer, options.LearningRate, factor: 0.5);
        var rates = optimizer.ParamGroups.Select(g => g.LearningRate).ToArray();
        Assert.Contains(5e-5, rates.Select(r => Math.Round(r, 12)));
        Assert.Contains(5e-4, rates.Select(r => Math.Round(r, 12)));
    }

    [Fact]
    public void Schedule_warms_up_linearly_then_drops_at_ninety_percent()
    {
        var schedule = new LearningRateSchedule(TotalIterations: 1000, WarmupIterations: 100, WarmupFactor: 0.001, DecayAt: 0.9, DecayFactor: 0.1);

        Assert.Equal(0.001, schedule.Factor(0), 12);
        Assert.Equal(0.5005, schedule.Factor(50), 12);
        Assert.Equal(1.0, schedule.Factor(100));
        Assert.Equal(1.0, schedule.Factor(899));
        Assert.Equal(0.1, schedule.Factor(900));
        Assert.Equal(900, schedule.DecayIteration);
    }

    [Fact]
    public void Invalid_options_are_rejected_with_the_value()
    {
        var error = Assert.Throws<ArgumentException>(() => new TrainingOptions { CanvasSize = 100 }.Validate());
        Assert.Contains("100", error.Message);
    }

    public static TheoryData<TrainingOptions, string> OutOfRangeOptions => new()
    {
        { new TrainingOptions { Threads = 0 }, "threads must be at least 1, got 0" },
        { new TrainingOptions { WarmupIterations = -5 }, "warm-up iterations must be non-negative, got -5" },
        { new TrainingOptions { LearningRate = double.NaN }, "learning rate must be a positive number, got NaN" },
        { new TrainingOptions { BackboneLearningRateMultiplier = double.PositiveInfinity }, $"backbone learning-rate factor must be a non-negative number, got {double.PositiveInfinity}" },
    };

    [Theory]
    [MemberData(nameof(OutOfRangeOptions))]
    public void Values_that_would_crash_libtorch_or_poison_the_weights_are_refused_before_training(TrainingOptions options, string expected)
    {
        var error = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Equal("invalid training options: " + expected, error.Message);
    }
}
