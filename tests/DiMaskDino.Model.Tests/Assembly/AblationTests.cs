using DiMaskDino.Model.Heads;
using DiMaskDino.Model.Query;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.Assembly;

/// <summary>model.md §14.2 #17: the DI and BATO switches.</summary>
public sealed class AblationTests
{
    private const int C = 6;

    [Fact]
    public void Both_off_is_maskdino()
    {
        using var scope = NewDisposeScope();
        manual_seed(61);
        using var model = DiMaskDinoBuilder.Build(ModelOptions.Tiny(C) with { DeImbalance = false, Bato = false });
        Assert.Null(model.DeImbalance);
        Assert.Null(model.Decoder.Bato);
        Assert.DoesNotContain(model.named_parameters(), p => p.name.StartsWith("de_imbalance", StringComparison.Ordinal) || p.name.Contains("bato", StringComparison.Ordinal));

        using var trace = new ModelTrace();
        using var outputs = Run(model, trace);
        Assert.Empty(outputs.DiAux);
        Assert.Equal(50, outputs.Interm.Queries);                                 // K1 = Q
        Assert.Null(trace.SecondIndices);
        Assert.Null(trace.UpdatedMaskFeatures);
        Assert.Null(trace.MaskTokens);
        // Decoder content = stop_gradient(T_s1), references = mask2box refs₁.
        Assert.True(allclose(trace.FirstTokens!, trace.QueryContent!));
        Assert.True(allclose(trace.FirstReferenceLogits!, trace.QueryReferenceLogits!));
        AssertLayersReadOriginalMemoryAndMaskFeatures(model, trace, outputs.Main.Masks!);
    }

    [Fact]
    public void Bato_off_alone_never_creates_updated_features_and_layers_read_the_original_memory()
    {
        using var scope = NewDisposeScope();
        manual_seed(62);
        using var model = DiMaskDinoBuilder.Build(ModelOptions.Tiny(C) with { Bato = false });
        Assert.NotNull(model.DeImbalance);
        Assert.DoesNotContain(model.named_parameters(), p => p.name.Contains("bato", StringComparison.Ordinal));

        using var trace = new ModelTrace();
        using var outputs = Run(model, trace);
        Assert.Equal(2, outputs.DiAux.Count);
        Assert.Equal(100, outputs.Interm.Queries);
        Assert.Null(trace.UpdatedMaskFeatures);
        Assert.Null(trace.UpdatedMemory);
        AssertLayersReadOriginalMemoryAndMaskFeatures(model, trace, outputs.Main.Masks!);
    }

    [Fact]
    public void Di_off_alone_still_takes_guiding_tokens_from_layer_zero()
    {
        using var scope = NewDisposeScope();
        manual_seed(63);
        using var model = DiMaskDinoBuilder.Build(ModelOptions.Tiny(C) with { DeImbalance = false });
        Assert.Null(model.DeImbalance);
        Assert.NotNull(model.Decoder.Bato);

        using var trace = new ModelTrace();
        using var outputs = Run(model, trace);
        Assert.Empty(outputs.DiAux);
        Assert.Equal(50, outputs.Interm.Queries);
        Assert.Null(trace.SecondIndices);

        var q = model.Options.NumQueries;
        var raw0 = trace.RawOutputs[0][TensorIndex.Colon, TensorIndex.Slice(-q, null)];         // matching rows of layer 0
        var (_, indices) = model.Heads.ClassLogits(raw0).amax([-1]).topk(10, dim: 1);
        Assert.True(allclose(TwoStageSelection.Gather(model.Heads.MaskEmbedding(raw0), indices), trace.MaskTokens!, 1e-5, 1e-6));
        // Layers 1.. use F_upd for their masks.
        var last = model.Heads.Normalize(trace.Hidden[^1][TensorIndex.Colon, TensorIndex.Slice(-q, null)]);
        var withUpdated = PredictionHeads.MaskLogits(model.Heads.MaskEmbedding(last), trace.UpdatedMaskFeatures!);
        Assert.True(allclose(withUpdated, outputs.Main.Masks!, 1e-4, 1e-5));
    }

    private static DiMaskDino.Model.Losses.TrainingOutputs Run(DiMaskDinoModel model, ModelTrace trace)
    {
        var (images, targets) = Scenes.SquareAndDisc(2, 96, C);
        using var generator = new Generator(4);
        var outputs = model.ForwardTraining(images, targets, generator, trace);
        Scenes.Dispose(targets);
        return outputs;
    }

    /// <summary>Recomputes the last decoder layer on the original memory and its masks on the original features.</summary>
    private static void AssertLayersReadOriginalMemoryAndMaskFeatures(DiMaskDinoModel model, ModelTrace trace, Tensor mainMasks)
    {
        var decoder = model.Decoder;
        var last = decoder.NumLayers - 1;
        var reference = trace.References[last].detach();
        var expected = decoder.Layers[last].call(
            trace.RawOutputs[last - 1], decoder.PositionalQuery(reference), reference, trace.Memory!, trace.DecoderLevels!,
            DiMaskDino.Model.Denoising.DenoisingAttentionMask.Build(
                DiMaskDino.Model.Denoising.DenoisingPlan.Create([1, 1], model.Options.DenoisingQueries)!, model.Options.NumQueries));
        Assert.True(allclose(expected, trace.RawOutputs[last], 1e-5, 1e-5));

        var q = model.Options.NumQueries;
        var hidden = model.Heads.Normalize(trace.Hidden[last][TensorIndex.Colon, TensorIndex.Slice(-q, null)]);
        var masks = PredictionHeads.MaskLogits(model.Heads.MaskEmbedding(hidden), trace.MaskFeatures!);
        Assert.True(allclose(masks, mainMasks, 1e-4, 1e-5));
    }
}
