using DiMaskDino.Model.Losses;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.Assembly;

/// <summary>model.md §14.1, TINY column (B = 2, 128², C = 10).</summary>
public sealed class ModelShapeTests
{
    private const int C = 10;

    [Fact]
    public void Tiny_training_forward_matches_every_shape_row()
    {
        using var scope = NewDisposeScope();
        manual_seed(41);
        using var model = DiMaskDinoBuilder.Build(ModelOptions.Tiny(C));
        var (images, targets) = Scenes.SquareAndDisc(2, 128, C);
        using var generator = new Generator(5);
        using var trace = new ModelTrace();
        using var outputs = model.ForwardTraining(images, targets, generator, trace);

        Assert.Equal([[2, 64, 32, 32], [2, 128, 16, 16], [2, 256, 8, 8], [2, 512, 4, 4]], trace.Backbone.Select(t => t.shape));
        Assert.Equal([[2, 128, 16, 16], [2, 128, 8, 8], [2, 128, 4, 4], [2, 128, 2, 2]], trace.EncoderMaps.Select(t => t.shape));
        Assert.Equal(new long[] { 2, 340, 128 }, trace.Memory!.shape);
        Assert.Equal(new long[] { 0, 4, 20, 84 }, trace.DecoderLevels!.Starts);
        Assert.Equal(new long[] { 2, 128, 32, 32 }, trace.MaskFeatures!.shape);
        Assert.Equal(new long[] { 2, 340, C }, trace.EncoderLogits!.shape);
        Assert.Equal(new long[] { 2, 340, 4 }, trace.EncoderBoxLogits!.shape);
        Assert.Equal(new long[] { 2, 100, 128 }, trace.FirstTokens!.shape);
        Assert.Equal(new long[] { 2, 100, 32, 32 }, trace.IntermMasks!.shape);
        Assert.Equal(new long[] { 2, 100, 4 }, trace.FirstReferenceLogits!.shape);
        Assert.Equal(new long[] { 2, 50, 128 }, trace.QueryContent!.shape);
        Assert.Equal(new long[] { 2, 50, 4 }, trace.QueryReferenceLogits!.shape);
        Assert.Equal(20, trace.DenoisingCount);                                   // one GT per image: 20 groups of 1
        Assert.Equal(new long[] { 2, 20 + 50, 128 }, trace.DecoderContent!.shape);
        Assert.Equal(new long[] { 2, 10, 128 }, trace.MaskTokens!.shape);
        Assert.Equal(new long[] { 2, 10, 128 }, trace.BoxTokens!.shape);
        Assert.Equal(new long[] { 2, 128, 32, 32 }, trace.UpdatedMaskFeatures!.shape);

        // Outputs: main + L_d aux = 4 prediction sets of Q queries; interm and DI aux over K1.
        Assert.Equal(4, 1 + outputs.Aux.Count);
        foreach (var set in outputs.Aux.Append(outputs.Main))
        {
            AssertSet(set, 50, masks: true);
        }

        AssertSet(outputs.Interm, 100, masks: true);
        Assert.Equal(2, outputs.DiAux.Count);
        Assert.All(outputs.DiAux, set => AssertSet(set, 100, masks: false));
        Assert.NotNull(outputs.Dn);
        Assert.Equal((20, 1), (outputs.Dn!.Groups, outputs.Dn.SlotsPerGroup));
        Assert.Equal(3, outputs.Dn.Aux.Count);
        foreach (var set in outputs.Dn.Aux.Append(outputs.Dn.Main))
        {
            AssertSet(set, 20, masks: true);
        }

        images.Dispose();
        Scenes.Dispose(targets);
    }

    [Fact]
    public void Inference_pads_to_a_multiple_of_32_and_returns_the_last_layer_only()
    {
        using var scope = NewDisposeScope();
        manual_seed(42);
        using var model = DiMaskDinoBuilder.Build(ModelOptions.Tiny(C));
        model.eval();
        using var noGrad = no_grad();
        var images = Scenes.Noise(2, 100, 120);
        using var trace = new ModelTrace();
        using var outputs = model.Infer(images, trace);

        Assert.Equal(new long[] { 2, 128, 32, 32 }, trace.MaskFeatures!.shape);  // 100×120 padded to 128×128
        Assert.Equal(new long[] { 2, 50, C }, outputs.PredLogits.shape);
        Assert.Equal(new long[] { 2, 50, 4 }, outputs.PredBoxes.shape);
        Assert.Equal(new long[] { 2, 50, 32, 32 }, outputs.PredMasks.shape);
        Assert.Null(trace.EncoderLogits);                                         // no encoder box/class outputs kept
        Assert.Equal(50, trace.DecoderContent!.shape[1]);                         // no DN at inference
        Assert.Equal(new long[] { 2, 128, 32, 32 }, trace.UpdatedMaskFeatures!.shape);
        var input = model.Preprocess(images);
        Assert.Equal(new long[] { 2, 3, 128, 128 }, input.shape);
        Assert.Equal(0f, input[TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Slice(100, null)].abs().max().item<float>());
        Assert.Equal(0f, input[TensorIndex.Ellipsis, TensorIndex.Slice(120, null)].abs().max().item<float>());
        Assert.Equal(new long[] { 0, 4, 20, 84 }, DiMaskDinoModel.DecoderLevelsFor(128, 128).Starts);
    }

    [Fact]
    public void Too_small_inputs_fail_with_a_clear_message()
    {
        using var scope = NewDisposeScope();
        using var model = DiMaskDinoBuilder.Build(ModelOptions.Tiny(C));
        var error = Assert.Throws<ArgumentException>(() => model.Infer(Scenes.Noise(1, 64, 64)));
        Assert.Contains("S = 85", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => DiMaskDinoBuilder.Build(ModelOptions.Tiny(C) with { GuidingTokens = 51 }));
    }

    private static void AssertSet(PredictionSet set, long queries, bool masks)
    {
        Assert.Equal(new long[] { 2, queries, C }, set.Logits.shape);
        Assert.Equal(new long[] { 2, queries, 4 }, set.Boxes.shape);
        if (masks)
        {
            Assert.Equal(new long[] { 2, queries, 32, 32 }, set.Masks!.shape);
        }
        else
        {
            Assert.Null(set.Masks);
        }
    }
}
