using System.Text.RegularExpressions;
using DiMaskDino.Model;
using DiMaskDino.Model.Training;
using DiMaskDino.TestSupport;
using static TorchSharp.torch;

namespace DiMaskDino.Training.Tests;

/// <summary>Fine-tuning from a checkpoint (issue 15): classes mapped by name, architecture checked, backbone frozen on request.</summary>
[Collection(TorchProcessState.Name)]
public sealed class FineTuneTests
{
    /// <summary>The synthetic set's classes, in class-index order.</summary>
    private static readonly string[] Shapes = ["circle", "triangle", "square", "star", "ring", "cross"];

    private static readonly ModelOptions Small = TrainerTests.Small;

    [Fact]
    public void Kept_classes_keep_their_logits_new_classes_their_fresh_initialisation()
    {
        using var folder = new TemporaryDirectory();
        var source = SaveRandomCheckpoint(folder.File("source"), Small, Shapes);
        var mapping = ClassMapping.Create(Shapes, ["star", "circle", "hexagon"]);
        Assert.Equal([3, 0, null], mapping.Rows.Select(r => r.SourceIndex));
        Assert.Equal(["triangle", "square", "ring", "cross"], mapping.Dropped);

        manual_seed(9);
        using var target = DiMaskDinoBuilder.Build(Small with { NumClasses = 3 });
        var fresh = InitialWeights.ClassShapedTensors.ToDictionary(n => n, n => target.state_dict()[n].clone());
        InitialWeights.Load(source, target, mapping);
        using var original = ExactResumeTests.Load(source);

        using (no_grad())
        {
            using var content = randn([2, 7, Small.HiddenDim], generator: new TorchSharp.torch.Generator(3));
            using var sourceLogits = original.Heads.Predict(content, null).Logits;       // [2, 7, 6]
            using var targetLogits = target.Heads.Predict(content, null).Logits;         // [2, 7, 3]
            // The rows are copied bit for bit (checked below); a 3- and a 6-wide matrix product may only sum in another order.
            AssertClose(targetLogits[.., .., 0], sourceLogits[.., .., 3], "star");
            AssertClose(targetLogits[.., .., 1], sourceLogits[.., .., 0], "circle");
        }

        var loaded = target.state_dict();
        var sourceTensors = original.state_dict();
        foreach (var name in InitialWeights.ClassShapedTensors)
        {
            Assert.True(ExactResumeTests.Same(loaded[name][0], sourceTensors[name][3]), $"{name}: star's row");
            Assert.True(ExactResumeTests.Same(loaded[name][1], sourceTensors[name][0]), $"{name}: circle's row");
            Assert.True(ExactResumeTests.Same(loaded[name][2], fresh[name][2]), $"{name}: the new class keeps its fresh row");
        }

        var otherDiffering = loaded.Where(e => !InitialWeights.ClassShapedTensors.Contains(e.Key) && !ExactResumeTests.Same(e.Value, sourceTensors[e.Key])).Select(e => e.Key);
        Assert.Empty(otherDiffering);
    }

    [Fact]
    public void Reordered_classes_give_the_source_logits_through_the_whole_network()
    {
        using var folder = new TemporaryDirectory();
        var source = SaveRandomCheckpoint(folder.File("source"), Small, Shapes);
        string[] reordered = ["cross", "ring", "star", "square", "triangle", "circle"];
        var mapping = ClassMapping.Create(Shapes, reordered);
        using var target = DiMaskDinoBuilder.Build(Small);
        InitialWeights.Load(source, target, mapping);
        using var original = ExactResumeTests.Load(source);
        original.eval();
        target.eval();

        using var noGrad = no_grad();
        using var images = rand([1, 3, 96, 96], generator: new TorchSharp.torch.Generator(4)) * 255;
        using var expected = original.Infer(images);
        using var actual = target.Infer(images);
        using var permutation = tensor(reordered.Select(n => (long)Array.IndexOf(Shapes, n)).ToArray());
        using var expectedLogits = expected.PredLogits.index_select(-1, permutation);
        Assert.True(actual.PredLogits.allclose(expectedLogits, rtol: 0, atol: 1e-5), $"max difference {(actual.PredLogits - expectedLogits).abs().max().item<float>()}");
        Assert.True(actual.PredBoxes.allclose(expected.PredBoxes, rtol: 0, atol: 1e-5));
    }

    [Fact]
    public void The_class_shaped_tensors_are_exactly_those_whose_shape_follows_the_class_count()
    {
        using var two = DiMaskDinoBuilder.Build(Small with { NumClasses = 2 });
        using var three = DiMaskDinoBuilder.Build(Small with { NumClasses = 3 });
        var other = three.state_dict();
        var differing = two.state_dict().Where(e => !e.Value.shape.SequenceEqual(other[e.Key].shape)).Select(e => e.Key);

        Assert.Equal(InitialWeights.ClassShapedTensors.Order(), differing.Order());
    }

    [Fact]
    public void A_checkpoint_of_another_architecture_is_refused_naming_the_tensor_and_both_shapes()
    {
        using var folder = new TemporaryDirectory();
        var source = SaveRandomCheckpoint(folder.File("source"), Small, Shapes);
        using var target = DiMaskDinoBuilder.Build(Small with { FeedForwardDim = Small.FeedForwardDim / 2 });

        var error = Assert.Throws<InvalidDataException>(() => InitialWeights.Load(source, target, ClassMapping.Create(Shapes, Shapes)));

        Assert.Contains("the checkpoint's architecture differs from the model's", error.Message);
        var named = Regex.Match(error.Message, @"\): (?<name>[\w.]+): expected \[(?<expected>[\d, ]+)\], found \[(?<found>[\d, ]+)\]");
        Assert.True(named.Success, error.Message);
        using var original = ExactResumeTests.Load(source);
        Assert.Equal(string.Join(", ", target.state_dict()[named.Groups["name"].Value].shape), named.Groups["expected"].Value);
        Assert.Equal(string.Join(", ", original.state_dict()[named.Groups["name"].Value].shape), named.Groups["found"].Value);
    }

    [Fact]
    public async Task Fine_tuning_with_a_frozen_backbone_changes_the_heads_only()
    {
        using var folder = new TemporaryDirectory();
        var source = SaveRandomCheckpoint(folder.File("source"), Small, Shapes);
        var train = ExactResumeTests.Dataset(folder, count: 2);
        var options = new TrainingOptions { Epochs = 1, BatchSize = 1, CanvasSize = 96, Threads = 1, FreezeBackbone = true };
        ClassMapping? reported = null;

        var summary = await new Trainer(Small, options).RunAsync(
            new TrainingRun(train, null, folder.File("run"), InitCheckpoint: source), new SynchronousProgress(p => reported ??= p.Mapping));

        Assert.Equal(2, summary.Iterations);
        Assert.Equal(Shapes.Length, reported!.Kept);
        using var before = ExactResumeTests.Load(source);
        using var after = ExactResumeTests.Load(summary.LastCheckpoint);
        var trained = after.state_dict();
        var changed = before.state_dict().Where(e => !ExactResumeTests.Same(e.Value, trained[e.Key])).Select(e => e.Key).ToList();
        Assert.DoesNotContain(changed, name => name.StartsWith("backbone.", StringComparison.Ordinal));
        Assert.Contains("heads.class_embed.weight", changed);
    }

    [Fact]
    public void Train_command_refuses_init_with_a_switched_off_module_naming_its_tensors()
    {
        using var folder = new TemporaryDirectory();
        var source = SaveRandomCheckpoint(folder.File("source"), Small, Shapes);
        var train = ExactResumeTests.Dataset(folder, count: 2);

        var result = TrainRunner.Run("train", "--data", train, "--out", folder.File("run"), "--init", source, "--no-di", "--canvas", "96", "--epochs", "1");

        Assert.Equal(1, result.ExitCode);
        var error = result.StandardError.Trim();
        Assert.DoesNotContain('\n', error);
        Assert.Matches(@"^error: .*source: the checkpoint's architecture differs from the model's \(\d+ tensors\): de_imbalance\.[\w.]+: expected none, found \[", error);
    }

    private static void AssertClose(Tensor actual, Tensor expected, string name)
    {
        var difference = (actual - expected).abs().max().item<float>();
        Assert.True(difference <= 1e-6, $"{name}'s logits changed by up to {difference}");
    }

    /// <summary>A freshly initialised model saved as a checkpoint with the given class names.</summary>
    internal static string SaveRandomCheckpoint(string directory, ModelOptions options, IReadOnlyList<string> classes)
    {
        manual_seed(5);
        using var model = DiMaskDinoBuilder.Build(options with { NumClasses = classes.Count });
        Checkpoint.Save(directory, model, optimizer: null, new CheckpointState
        {
            Preset = options.Preset.ToString().ToLowerInvariant(),
            DeImbalance = options.DeImbalance,
            Bato = options.Bato,
            Categories = [.. classes.Select((name, i) => new CheckpointCategory(i + 1, name))],
            Architecture = CheckpointArchitecture.From(options),
            Epoch = 0,
            Iteration = 0,
            TotalIterations = 0,
            CanvasSize = 96,
            Seed = 5,
        });
        return directory;
    }
}
