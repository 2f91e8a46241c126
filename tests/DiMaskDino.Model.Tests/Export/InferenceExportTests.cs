// The full exported inference graph (model.md §13.1, §13.3, §14.2 #19) against DiMaskDinoModel.Infer: TINY preset
// with reduced K1/Q/G and random weights at 96×96, the four DI × BATO combinations, batch 2 and batch 1 from one
// file (dynamic batch), and the float16-weights option against a model whose parameters were rounded to fp16.

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

    private static DiMaskDinoModel TinyModel(int seed, bool deImbalance, bool bato)
    {
        manual_seed(seed);
        var options = ModelOptions.Tiny(6) with
        {
            FirstSelectedTokens = 40, NumQueries = 20, GuidingTokens = 5, DeImbalance = deImbalance, Bato = bato,
        };
        var model = DiMaskDinoBuilder.Build(options);
        ExportTestModels.Randomize(model);
        model.eval();
        return model;
    }

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
        var bytes = OnnxExporter.Export(model, Size, Size, float16Weights: false);
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

    [Fact]
    public void Float16_weights_graph_matches_Infer_of_a_model_with_fp16_rounded_weights()
    {
        using var model = TinyModel(53, deImbalance: true, bato: true);
        ExportTestModels.RoundToFloat16(model);
        var bytes = OnnxExporter.Export(model, Size, Size, float16Weights: true);
        var parsed = ModelProto.Parser.ParseFrom(bytes);
        Assert.Contains(parsed.Graph.Initializer, t => t.DataType == (int)TensorProto.Types.DataType.Float16);
        Assert.DoesNotContain(parsed.Graph.Initializer, t => t.DataType == (int)TensorProto.Types.DataType.Float && t.Name.EndsWith("_weight", StringComparison.Ordinal));
        Assert.Contains(parsed.MetadataProps, p => p.Key == "dimaskdino.weights_dtype" && p.Value == "float16");

        using var options = new SessionOptions();
        using var session = new InferenceSession(bytes, options);
        manual_seed(54);
        using var images = rand(2, 3, Size, Size) * 255;
        Compare(model, session, images, "fp16");
    }
}
