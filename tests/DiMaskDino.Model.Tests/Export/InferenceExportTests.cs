// The full exported inference graph (model.md §13.1, §13.3, §14.2 #19) against DiMaskDinoModel.Infer: TINY preset
// with reduced K1/Q/G and random weights at 96×96, the four DI × BATO combinations, batch 2 and batch 1 from one
// file (dynamic batch), and the float16 and int8 weight storage against the model the export rounded in place.

using DiMaskDino.Model.Export;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.Export;

public sealed class InferenceExportTests(ITestOutputHelper log)
{
    private const int Size = 96;
    private const double Tolerance = 1e-4;

    private static DiMaskDinoModel TinyModel(int seed, bool deImbalance, bool bato) => ExportTestModels.Tiny(seed, deImbalance, bato);

    private static Tensor[] Reference(DiMaskDinoModel model, Tensor images)
    {
        using var inference = inference_mode();
        using var outputs = model.Infer(images);
        return [outputs.PredLogits.clone(), outputs.PredBoxes.clone(), outputs.PredMasks.clone()];
    }

    private Tensor[] Compare(DiMaskDinoModel model, InferenceSession session, Tensor images, string label)
    {
        var expected = Reference(model, images);
        using var input = model.Preprocess(images);
        var actual = OrtParity.Run(session, [(OnnxExporter.ImagesInput, input)], OnnxExporter.InferenceOutputs);
        for (var i = 0; i < expected.Length; i++)
        {
            OrtParity.AssertClose(log, $"{label} {OnnxExporter.InferenceOutputs[i]}", expected[i], actual[i], Tolerance);
        }

        return actual;
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(false, false)]
    public void Exported_inference_graph_matches_Infer_at_batch_2_and_1_from_one_file(bool deImbalance, bool bato)
    {
        using var model = TinyModel(51, deImbalance, bato);
        var bytes = OnnxExporter.Export(model, Size, Size, WeightPrecision.Float32);
        var parsed = ModelProto.Parser.ParseFrom(bytes);
        Assert.Equal(17, Assert.Single(parsed.OpsetImport).Version);
        Assert.All(parsed.Graph.Node, n => Assert.Equal("", n.Domain));
        using var options = new SessionOptions();
        using var session = new InferenceSession(bytes, options);
        Assert.Equal("batch", session.InputMetadata[OnnxExporter.ImagesInput].SymbolicDimensions[0]);
        var metadata = session.ModelMetadata.CustomMetadataMap;
        Assert.Equal("inference", metadata["dimaskdino.graph"]);
        Assert.Equal("20", metadata["dimaskdino.num_queries"]);
        Assert.Equal(deImbalance ? "true" : "false", metadata["dimaskdino.deimbalance"]);
        Assert.Equal(bato ? "true" : "false", metadata["dimaskdino.bato"]);

        manual_seed(52);
        using var images = rand(2, 3, Size, Size) * 255;
        var actual = Compare(model, session, images, $"DI {deImbalance} BATO {bato} batch2");
        Assert.Equal([2L, 20, 6], actual[0].shape);
        Assert.Equal([2L, 20, 4], actual[1].shape);
        Assert.Equal([2L, 20, Size / 4, Size / 4], actual[2].shape);

        using var single = images[1..2];
        var actualSingle = Compare(model, session, single, $"DI {deImbalance} BATO {bato} batch1");
        Assert.Equal(1, actualSingle[0].shape[0]);
    }

    [Theory]
    [InlineData(WeightPrecision.Float16, 0.45, 0.55)]
    [InlineData(WeightPrecision.Int8, 0.2, 0.35)]
    public void Lossy_weights_graph_is_smaller_and_matches_Infer_of_the_model_the_export_rounded(WeightPrecision precision, double minRatio, double maxRatio)
    {
        using var model = TinyModel(53, deImbalance: true, bato: true);
        var full = OnnxExporter.Export(model, Size, Size, WeightPrecision.Float32);
        manual_seed(54);
        using var images = rand(2, 3, Size, Size) * 255;
        var before = Reference(model, images);

        var bytes = OnnxExporter.Export(model, Size, Size, precision);
        double ratio = (double)bytes.Length / full.Length;
        log.WriteLine($"{precision}: {bytes.Length} bytes, {ratio:F3} of float32");
        Assert.InRange(ratio, minRatio, maxRatio);
        var parsed = ModelProto.Parser.ParseFrom(bytes);
        var lossy = precision == WeightPrecision.Int8 ? TensorProto.Types.DataType.Int8 : TensorProto.Types.DataType.Float16;
        Assert.Contains(parsed.Graph.Initializer, t => t.DataType == (int)lossy);
        Assert.DoesNotContain(parsed.Graph.Initializer, t => t.DataType == (int)TensorProto.Types.DataType.Float && t.Name.EndsWith("_weight", StringComparison.Ordinal));
        Assert.Contains(parsed.MetadataProps, p => p.Key == "dimaskdino.weights_dtype" && p.Value == precision.MetadataValue());

        // The export rounded the model's own weights (conv weights before their batch norm): its outputs moved...
        var after = Reference(model, images);
        log.WriteLine($"{precision}: rounding moved pred_masks by up to {OrtParity.MaxAbs(before[2], after[2]):E2}");
        Assert.True(OrtParity.MaxAbs(before[2], after[2]) > Tolerance);
        // ...and the file computes exactly what the rounded model computes.
        using var options = new SessionOptions();
        using var session = new InferenceSession(bytes, options);
        Compare(model, session, images, precision.ToString());
    }
}
