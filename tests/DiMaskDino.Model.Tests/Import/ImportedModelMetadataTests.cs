// The exported metadata says which test-time transform a model needs (the contract of issue 11): letterbox for our own
// models, ResizeShortestEdge with its sizes for imported ones, and the imported configuration's name as the preset.

using DiMaskDino.Contracts.Models;
using DiMaskDino.Model.Export;
using Onnx;

namespace DiMaskDino.Model.Tests.Import;

public sealed class ImportedModelMetadataTests
{
    private static readonly ModelOptions Small = ModelOptions.Tiny(3) with
    {
        EncoderLayers = 1, DecoderLayers = 2, FirstSelectedTokens = 20, NumQueries = 10, GuidingTokens = 4,
    };

    private static Dictionary<string, string> Metadata(ModelOptions options)
    {
        using var model = DiMaskDinoBuilder.Build(options);
        model.eval();
        var graph = OnnxExporter.Build(model, 96, 96, WeightPrecision.Float32);
        return ModelProto.Parser.ParseFrom(graph.ToBytes()).MetadataProps.ToDictionary(p => p.Key, p => p.Value);
    }

    [Fact]
    public void Imported_models_ask_for_the_resize_shortest_edge_transform()
    {
        var metadata = Metadata(Small with
        {
            InputTransform = InputTransformKind.ResizeShortestEdge, ResizeShortEdge = 640, ResizeMaxSize = 1024, PresetName = "dimaskdino-r50-coco",
        });

        Assert.Equal("resize_shortest_edge", metadata["dimaskdino.input_transform"]);
        Assert.Equal(("640", "1024", "32"), (metadata["dimaskdino.resize_short_edge"], metadata["dimaskdino.resize_max_size"], metadata["dimaskdino.size_divisibility"]));
        Assert.Equal("dimaskdino-r50-coco", metadata["dimaskdino.preset"]);
    }

    [Fact]
    public void Our_models_keep_the_letterbox()
    {
        var metadata = Metadata(Small);

        Assert.Equal("letterbox", metadata["dimaskdino.input_transform"]);
        Assert.False(metadata.ContainsKey("dimaskdino.resize_short_edge"));
        Assert.Equal("Tiny", metadata["dimaskdino.preset"]);
    }
}
