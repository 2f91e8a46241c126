// The ModelOptions of MaskDINO's released configurations (Import/OfficialPresets.cs) in the size-dynamic inference
// graph: 3 or 4 feature levels, either feature order, every box initialisation and an encoder FFN of its own width,
// each against DiMaskDinoModel.Infer at two sizes, one with odd stride-32 sides. DI and BATO are off, as in MaskDINO.

using DiMaskDino.Model.Export;
using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;

namespace DiMaskDino.Model.Tests.Export;

public sealed class OfficialConfigurationExportTests(ITestOutputHelper log)
{
    [Theory]
    [InlineData("dowsample1-2048", 4, FeatureOrder.LowToHigh, BoxInitialization.MaskToBox, 0)]
    [InlineData("bitmask", 4, FeatureOrder.LowToHigh, BoxInitialization.Bitmask, 0)]
    [InlineData("high2low", 4, FeatureOrder.HighToLow, BoxInitialization.MaskToBox, 0)]
    [InlineData("3 levels", 3, FeatureOrder.LowToHigh, BoxInitialization.MaskToBox, 0)]
    [InlineData("3s (3 levels, high2low, bitmask, encoder FFN 256)", 3, FeatureOrder.HighToLow, BoxInitialization.Bitmask, 256)]
    [InlineData("encoder boxes", 4, FeatureOrder.LowToHigh, BoxInitialization.EncoderBoxes, 0)]
    [InlineData("encoder boxes, 3 levels, high2low", 3, FeatureOrder.HighToLow, BoxInitialization.EncoderBoxes, 0)]
    public void A_released_configuration_exports_size_dynamic(
        string label, int levels, FeatureOrder order, BoxInitialization boxes, int encoderFeedForward)
    {
        var options = ExportTestModels.TinyOptions with
        {
            DeImbalance = false,
            Bato = false,
            FeatureLevels = levels,
            FeatureOrder = order,
            BoxInitialization = boxes,
            EncoderFeedForwardDim = encoderFeedForward == 0 ? null : encoderFeedForward,
        };
        using var model = ExportTestModels.Randomized(91 + levels, options);
        var bytes = OnnxExporter.Export(model, null, null, WeightPrecision.Float32);
        using var sessionOptions = new SessionOptions();
        using var session = new InferenceSession(bytes, sessionOptions);

        // 96×160: odd stride-32 sides (3, 5); 128×192: even ones.
        DynamicExportTests.AssertMatchesInfer(log, model, session, 1, 96, 160, 92, label);
        DynamicExportTests.AssertMatchesInfer(log, model, session, 2, 128, 192, 93, label);
    }

    [Fact]
    public void A_three_level_encoder_graph_has_no_E64()
    {
        using var model = ExportTestModels.Randomized(95, ExportTestModels.TinyOptions with { FeatureLevels = 3, FeatureOrder = FeatureOrder.HighToLow });
        using var sessionOptions = new SessionOptions();
        using var session = new InferenceSession(OnnxExporter.BuildEncoder(model, 96, 160).ToBytes(), sessionOptions);
        Assert.Equal(["E8", "E16", "E32", "mask_features"], session.OutputMetadata.Keys);
        Assert.Equal([-1, 128, 3, 5], session.OutputMetadata["E32"].Dimensions);
        Assert.Equal([-1, 128, 24, 40], session.OutputMetadata["mask_features"].Dimensions);
    }
}
