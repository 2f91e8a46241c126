using DiMaskDino.Model.Common;
using DiMaskDino.Model.Losses;
using DiMaskDino.Model.Query;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.Assembly;

/// <summary>model.md §14.2 items 9, 21 and 22 on the assembled TINY model.</summary>
public sealed class ModelInvariantTests
{
    private const int C = 6;

    [Fact]
    public void At_init_every_box_of_the_matching_queries_equals_the_mask2box_box()
    {
        using var scope = NewDisposeScope();
        manual_seed(51);
        using var model = DiMaskDinoBuilder.Build(ModelOptions.Tiny(C));
        var (images, targets) = Scenes.SquareAndDisc(2, 96, C);
        using var generator = new Generator(3);
        using var trace = new ModelTrace();
        using var outputs = model.ForwardTraining(images, targets, generator, trace);

        var mask2box = BoxMath.InverseSigmoid(MaskToBox.Boxes(trace.IntermMasks!)).sigmoid();   // [B, K1, 4]
        foreach (var aux in outputs.DiAux)
        {
            AssertClose(mask2box, aux.Boxes);
        }

        var selected = TwoStageSelection.Gather(mask2box, trace.SecondIndices!);                // [B, Q, 4]
        Assert.Equal(4, outputs.Aux.Count + 1);
        foreach (var set in outputs.Aux.Append(outputs.Main))
        {
            AssertClose(selected, set.Boxes);
        }

        // Not a tautology: the boxes differ between queries and are not the encoder's interm boxes.
        Assert.True(selected.std().item<float>() > 1e-3);
        Assert.False(allclose(TwoStageSelection.Gather(outputs.Interm.Boxes, trace.SecondIndices!), outputs.Main.Boxes, 1e-3, 1e-3));
        Scenes.Dispose(targets);
    }

    [Fact]
    public void At_init_denoising_queries_keep_their_noised_boxes_through_every_layer()
    {
        using var scope = NewDisposeScope();
        manual_seed(52);
        using var model = DiMaskDinoBuilder.Build(ModelOptions.Tiny(C));
        var images = Scenes.Noise(2, 96, 96);
        // Image 0 has two objects, image 1 one: pad 2, 10 groups, P_dn 20; slot 1 of image 1 is an unused slot.
        ImageTarget[] targets =
        [
            new(tensor(new long[] { 1, 3 }), tensor(new[] { 0.3f, 0.3f, 0.2f, 0.2f, 0.7f, 0.6f, 0.3f, 0.4f }, [2, 4]), zeros([2, 96, 96], dtype: ScalarType.Bool)),
            new(tensor(new long[] { 2 }), tensor(new[] { 0.5f, 0.4f, 0.6f, 0.3f }, [1, 4]), zeros([1, 96, 96], dtype: ScalarType.Bool)),
        ];
        using var generator = new Generator(9);
        using var trace = new ModelTrace();
        using var outputs = model.ForwardTraining(images, targets, generator, trace);

        Assert.Equal(20, trace.DenoisingCount);
        var noised = trace.References[0][TensorIndex.Colon, TensorIndex.Slice(0, 20)];          // σ(DN reference logits)
        foreach (var set in outputs.Dn!.Aux.Append(outputs.Dn.Main))
        {
            AssertClose(noised, set.Boxes);
        }

        // The noised boxes are not the GT boxes, and the unused slots sit at (0.5, 0.5, 0.5, 0.5).
        Assert.False(allclose(noised[0, 0], targets[0].Boxes[0], 1e-3, 1e-3));
        AssertClose(full(4, 0.5f), outputs.Dn.Main.Boxes[1, 1]);
        Assert.True((outputs.Dn.Main.Boxes[0, 1] - 0.5f).abs().max().item<float>() > 1e-2);
        Scenes.Dispose(targets);
    }

    [Fact]
    public void Without_denoising_training_and_eval_forwards_give_identical_final_predictions()
    {
        using var scope = NewDisposeScope();
        manual_seed(53);
        using var model = DiMaskDinoBuilder.Build(ModelOptions.Tiny(C));
        var images = Scenes.Noise(2, 96, 128);

        model.train();
        using var training = model.ForwardTraining(images, null, null);
        Assert.Null(training.Dn);
        model.eval();
        using var inference = model.Infer(images);

        Assert.True(allclose(training.Main.Logits, inference.PredLogits, 1e-6, 1e-6));
        Assert.True(allclose(training.Main.Boxes, inference.PredBoxes, 1e-6, 1e-6));
        Assert.True(allclose(training.Main.Masks!, inference.PredMasks, 1e-5, 1e-6));
        // Sanity: the comparison is sensitive (the aux sets differ from the final one).
        Assert.False(allclose(training.Aux[^1].Logits, inference.PredLogits, 1e-3, 1e-3));
    }

    private static void AssertClose(Tensor expected, Tensor actual)
    {
        var difference = (expected - actual).abs().max().item<float>();
        Assert.True(difference < 1e-4f, $"max |difference| = {difference}");
    }
}
