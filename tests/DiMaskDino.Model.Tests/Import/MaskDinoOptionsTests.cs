// The options the official MaskDINO configurations need, on a small network: 3 levels, the high2low level order
// (decoder reads s8 first), a separate encoder FFN width, and each box initialisation.

using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.Import;

public sealed class MaskDinoOptionsTests
{
    private static ModelOptions Small(int levels, FeatureOrder order, BoxInitialization boxes) => ModelOptions.Tiny(5) with
    {
        DeImbalance = false,
        Bato = false,
        FeatureLevels = levels,
        FeatureOrder = order,
        BoxInitialization = boxes,
        EncoderFeedForwardDim = 96,
        EncoderLayers = 1,
        DecoderLayers = 2,
        NumQueries = 12,
        GuidingTokens = 4,
    };

    [Theory]
    [InlineData(3, FeatureOrder.HighToLow, BoxInitialization.Bitmask)]
    [InlineData(4, FeatureOrder.LowToHigh, BoxInitialization.EncoderBoxes)]
    [InlineData(3, FeatureOrder.LowToHigh, BoxInitialization.MaskToBox)]
    public void The_network_runs_with_every_official_variant(int levels, FeatureOrder order, BoxInitialization boxes)
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        using var model = DiMaskDinoBuilder.Build(Small(levels, order, boxes));
        using var trace = new ModelTrace();
        using var images = rand(1, 3, 128, 96) * 255;

        using var outputs = model.Infer(images, trace);

        Assert.Equal(levels, trace.EncoderMaps.Length);
        long[][] strideOrder = [[16, 12], [8, 6], [4, 3], [2, 2]];
        var decoder = order == FeatureOrder.LowToHigh ? strideOrder.Take(levels).Reverse() : strideOrder.Take(levels);
        Assert.Equal(decoder.Select(s => ((long, long))(s[0], s[1])), trace.DecoderLevels!.Sizes);
        Assert.Equal(new long[] { 1, 12, 5 }, outputs.PredLogits.shape);
        Assert.Equal(new long[] { 1, 12, 32, 24 }, outputs.PredMasks.shape);
        Assert.True(outputs.PredBoxes.isfinite().all().item<bool>());
        var encoderFfn = model.state_dict()["pixel_decoder.encoder.layers.0.linear1.weight"];
        var decoderFfn = model.state_dict()["decoder.layers.0.linear1.weight"];
        Assert.Equal((96L, 512L), (encoderFfn.shape[0], decoderFfn.shape[0]));
        Assert.Equal(levels, model.state_dict().Keys.Count(k => k.StartsWith("pixel_decoder.input_proj.", StringComparison.Ordinal) && k.EndsWith(".0.weight", StringComparison.Ordinal)));
    }

    [Fact]
    public void High2low_projects_res5_first_as_the_official_input_proj_does()
    {
        using var model = DiMaskDinoBuilder.Build(Small(3, FeatureOrder.HighToLow, BoxInitialization.Bitmask));
        var state = model.state_dict();
        Assert.Equal(512, state["pixel_decoder.input_proj.0.0.weight"].shape[1]);   // ResNet-18 res5
        Assert.Equal(128, state["pixel_decoder.input_proj.2.0.weight"].shape[1]);   // res3
    }

    [Fact]
    public void Encoder_box_initialisation_uses_the_encoder_predictions_of_the_selected_tokens()
    {
        using var scope = NewDisposeScope();
        manual_seed(8);
        using var model = DiMaskDinoBuilder.Build(Small(4, FeatureOrder.LowToHigh, BoxInitialization.EncoderBoxes));
        using var trace = new ModelTrace();
        using var images = rand(1, 3, 96, 96) * 255;
        using var outputs = model.Infer(images, trace);

        // With DI off the decoder's references are the first selection's: σ(enc_box_logit[idx1]) = the interm boxes.
        Assert.True(trace.QueryReferenceLogits!.sigmoid().allclose(trace.IntermBoxes!, rtol: 0, atol: 1e-6));
    }
}
