// The size-dynamic inference graph (model.md §13; issue 11 part 3): one file, symbolic height and width, run by ONNX
// Runtime at several sizes and aspect ratios against DiMaskDinoModel.Infer on the same input — including sizes whose
// stride-32 side is odd (the stride-64 level rounds up) and a stride-16 level of 50 tokens, whose first centre
// 0.5/50 lies exactly on the proposal-validity bound 0.01 — and every DI × BATO combination.

using DiMaskDino.Model.Export;
using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.Export;

public sealed class DynamicExportTests(ITestOutputHelper log)
{
    private const double Tolerance = 1e-4;

    private void AssertMatchesInfer(DiMaskDinoModel model, InferenceSession session, int batch, int height, int width, int seed, string label) =>
        AssertMatchesInfer(log, model, session, batch, height, width, seed, label);

    /// <summary>ONNX Runtime's outputs for a random 0–255 input equal DiMaskDinoModel.Infer's within <see cref="Tolerance"/>.</summary>
    internal static void AssertMatchesInfer(
        ITestOutputHelper log, DiMaskDinoModel model, InferenceSession session, int batch, int height, int width, int seed, string label)
    {
        using var generator = new Generator((ulong)seed);
        using var images = rand([batch, 3, height, width], generator: generator) * 255;
        Tensor[] expected;
        using (inference_mode())
        using (var outputs = model.Infer(images))
        {
            expected = [outputs.PredLogits.clone(), outputs.PredBoxes.clone(), outputs.PredMasks.clone()];
        }

        using var input = model.Preprocess(images);
        var actual = OrtParity.Run(session, [(OnnxExporter.ImagesInput, input)], OnnxExporter.InferenceOutputs);
        Assert.Equal([batch, 20L, height / 4, width / 4], actual[2].shape);
        for (var i = 0; i < expected.Length; i++)
        {
            OrtParity.AssertClose(log, $"{label} {height}x{width} {OnnxExporter.InferenceOutputs[i]}", expected[i], actual[i], Tolerance);
        }
    }

    [Fact]
    public void One_dynamic_file_matches_Infer_at_several_sizes_and_aspect_ratios()
    {
        using var model = ExportTestModels.Tiny(61, deImbalance: true, bato: true);
        var bytes = OnnxExporter.Export(model, null, null, WeightPrecision.Float32);
        using var options = new SessionOptions();
        using var session = new InferenceSession(bytes, options);
        Assert.Equal(["batch", "", "height", "width"], session.InputMetadata[OnnxExporter.ImagesInput].SymbolicDimensions);
        Assert.Equal([-1, 3, -1, -1], session.InputMetadata[OnnxExporter.ImagesInput].Dimensions);
        var masks = session.OutputMetadata[OnnxExporter.InferenceOutputs[2]];
        Assert.Equal([-1, 20, -1, -1], masks.Dimensions);
        var metadata = session.ModelMetadata.CustomMetadataMap;
        Assert.Equal("dynamic", metadata["dimaskdino.input_height"]);
        Assert.Equal("dynamic", metadata["dimaskdino.input_width"]);

        // 160 and 224: odd stride-32 sides (5, 7), so the stride-64 level rounds up (3, 4); 800: a 50-row stride-16 level.
        (int Height, int Width)[] sizes = [(128, 192), (192, 128), (160, 160), (224, 96), (800, 64)];
        for (var i = 0; i < sizes.Length; i++)
        {
            AssertMatchesInfer(model, session, 1, sizes[i].Height, sizes[i].Width, 62 + i, "batch1");
        }

        AssertMatchesInfer(model, session, 2, 96, 160, 70, "batch2");
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(false, false)]
    public void Every_DI_and_BATO_combination_exports_size_dynamic(bool deImbalance, bool bato)
    {
        using var model = ExportTestModels.Tiny(71, deImbalance, bato);
        var bytes = OnnxExporter.Export(model, null, null, WeightPrecision.Float32);
        using var options = new SessionOptions();
        using var session = new InferenceSession(bytes, options);
        AssertMatchesInfer(model, session, 1, 96, 160, 72, $"DI {deImbalance} BATO {bato}");
    }

    [Fact]
    public void A_fixed_size_export_keeps_its_fixed_dimensions_and_metadata()
    {
        using var model = ExportTestModels.Tiny(73, deImbalance: true, bato: true);
        using var options = new SessionOptions();
        using var session = new InferenceSession(OnnxExporter.Export(model, 96, 128, WeightPrecision.Float32), options);
        Assert.Equal([-1, 3, 96, 128], session.InputMetadata[OnnxExporter.ImagesInput].Dimensions);
        Assert.Equal([-1, 20, 24, 32], session.OutputMetadata[OnnxExporter.InferenceOutputs[2]].Dimensions);
        Assert.Equal("96", session.ModelMetadata.CustomMetadataMap["dimaskdino.input_height"]);
        Assert.Equal("128", session.ModelMetadata.CustomMetadataMap["dimaskdino.input_width"]);
    }

    [Fact]
    public void Half_given_sizes_are_refused()
    {
        using var model = ExportTestModels.Tiny(74, deImbalance: false, bato: false);
        var error = Assert.Throws<ArgumentException>(() => OnnxExporter.Build(model, 96, null));
        Assert.Contains("neither", error.Message, StringComparison.Ordinal);
    }
}
