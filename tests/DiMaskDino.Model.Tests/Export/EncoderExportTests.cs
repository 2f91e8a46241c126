// The exported backbone + pixel decoder of the TINY preset (random weights, 128×128) against TorchSharp, at batch 2
// and batch 1 from the same file (dynamic batch), plus the float16-weights option (model.md §13, §14.2 #19).

using DiMaskDino.Model.Export;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.Export;

public sealed class EncoderExportTests(ITestOutputHelper log)
{
    private const int Size = 128;
    private const double DeepStack = 1e-4;

    private static DiMaskDinoModel TinyModel(int seed)
    {
        manual_seed(seed);
        var model = DiMaskDinoBuilder.Build(ModelOptions.Tiny(numClasses: 10));
        ExportTestModels.Randomize(model.Backbone);
        ExportTestModels.Randomize(model.PixelDecoder);
        model.eval();
        return model;
    }

    private static Tensor[] Reference(DiMaskDinoModel model, Tensor images)
    {
        using var noGrad = no_grad();
        using var features = model.Backbone.call(images);
        using var output = model.PixelDecoder.call(features);
        return [.. output.Maps.Select(m => m.clone()), output.MaskFeatures.clone()];
    }

    [Fact]
    public void Tiny_encoder_export_matches_torchsharp_at_batch_2_and_1_from_one_file()
    {
        using var model = TinyModel(41);
        var path = Path.Combine(Path.GetTempPath(), $"dimaskdino-encoder-{Guid.NewGuid():N}.onnx");
        try
        {
            OnnxExporter.ExportEncoder(model, Size, Size, path);
            using var options = new SessionOptions();
            using var session = new InferenceSession(path, options);
            Assert.Equal("batch", session.InputMetadata[OnnxExporter.ImagesInput].SymbolicDimensions[0]);
            Assert.Equal("encoder", session.ModelMetadata.CustomMetadataMap["dimaskdino.graph"]);
            Assert.Equal("128", session.ModelMetadata.CustomMetadataMap["dimaskdino.input_height"]);

            manual_seed(42);
            using var images = randn(2, 3, Size, Size);
            var expected = Reference(model, images);
            var actual = OrtParity.Run(session, [(OnnxExporter.ImagesInput, images)], OnnxExporter.EncoderOutputs);
            long[][] shapes = [[2, 128, 16, 16], [2, 128, 8, 8], [2, 128, 4, 4], [2, 128, 2, 2], [2, 128, 32, 32]];
            for (var i = 0; i < expected.Length; i++)
            {
                Assert.Equal(shapes[i], actual[i].shape);
                OrtParity.AssertClose(log, $"batch2 {OnnxExporter.EncoderOutputs[i]}", expected[i], actual[i], DeepStack);
            }

            using var single = images[0..1];
            var expectedSingle = Reference(model, single);
            var actualSingle = OrtParity.Run(session, [(OnnxExporter.ImagesInput, single)], OnnxExporter.EncoderOutputs);
            for (var i = 0; i < expectedSingle.Length; i++)
            {
                Assert.Equal(1, actualSingle[i].shape[0]);
                OrtParity.AssertClose(log, $"batch1 {OnnxExporter.EncoderOutputs[i]}", expectedSingle[i], actualSingle[i], DeepStack);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Float16_weights_halve_the_file_and_match_the_model_the_export_rounded()
    {
        using var model = TinyModel(43);
        var full = OnnxExporter.BuildEncoder(model, Size, Size).ToBytes();
        var half = OnnxExporter.BuildEncoder(model, Size, Size, WeightPrecision.Float16).ToBytes();
        double ratio = (double)half.Length / full.Length;
        log.WriteLine($"encoder file: float32 weights {full.Length} bytes, float16 weights {half.Length} bytes, ratio {ratio:F3}");
        Assert.InRange(ratio, 0.45, 0.55);
        var parsed = ModelProto.Parser.ParseFrom(half);
        Assert.Contains(parsed.Graph.Initializer, t => t.DataType == (int)TensorProto.Types.DataType.Float16);
        Assert.Contains(parsed.MetadataProps, p => p.Key == "dimaskdino.weights_dtype" && p.Value == "float16");

        manual_seed(44);
        using var images = randn(2, 3, Size, Size);
        var expected = Reference(model, images);
        var actual = OrtParity.Run(half, [(OnnxExporter.ImagesInput, images)], OnnxExporter.EncoderOutputs);
        for (var i = 0; i < expected.Length; i++)
        {
            OrtParity.AssertClose(log, $"fp16 {OnnxExporter.EncoderOutputs[i]}", expected[i], actual[i], DeepStack);
        }
    }

    [Theory]
    [InlineData(WeightPrecision.Float16)]
    [InlineData(WeightPrecision.Int8)]
    public void Onnx_runtime_folds_lossy_weights_into_float32_initializers_when_it_loads_the_model(WeightPrecision precision)
    {
        using var model = TinyModel(45);
        var bytes = OnnxExporter.BuildEncoder(model, Size, Size, precision).ToBytes();
        var stored = ModelProto.Parser.ParseFrom(bytes);
        var optimizedPath = Path.Combine(Path.GetTempPath(), $"dimaskdino-folded-{Guid.NewGuid():N}.onnx");
        try
        {
            using (var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_BASIC, OptimizedModelFilePath = optimizedPath })
            using (new InferenceSession(bytes, options))
            {
            }

            var optimized = ModelProto.Parser.ParseFrom(File.ReadAllBytes(optimizedPath));
            var initializers = optimized.Graph.Initializer.Select(t => t.Name).ToHashSet();
            log.WriteLine($"{precision}: {stored.Graph.Node.Count} nodes stored, {optimized.Graph.Node.Count} after loading");
            Assert.All(optimized.Graph.Initializer, t => Assert.True(
                t.DataType is (int)TensorProto.Types.DataType.Float or (int)TensorProto.Types.DataType.Int64, $"{t.Name} is still of type {t.DataType}"));
            Assert.DoesNotContain(optimized.Graph.Node, n => n.OpType == "Cast" && n.Input.All(initializers.Contains));
            Assert.DoesNotContain(optimized.Graph.Node, n => n.OpType == "Mul" && n.Input.All(initializers.Contains));
        }
        finally
        {
            File.Delete(optimizedPath);
        }
    }
}
