using DiMaskDino.Contracts.Models;
using DiMaskDino.Inference.Images;
using DiMaskDino.Inference.Runtime;
using Microsoft.ML.OnnxRuntime;
using ModelMetadata = DiMaskDino.Contracts.Models.ModelMetadata;

namespace DiMaskDino.Inference.Tests.Runtime;

/// <summary>ModelMetadata parsing and graph checks on the real metadata of an exported tiny model.</summary>
public sealed class ModelMetadataTests(TinyOnnxModel tiny) : IClassFixture<TinyOnnxModel>
{
    [Theory]
    [InlineData("mean", "1,2")]
    [InlineData("std", "1,0,1")]
    [InlineData("channel_order", "Rgba")]
    [InlineData("channel_order", "1")]
    [InlineData("input_height", "100")]
    [InlineData("num_queries", "-3")]
    [InlineData("bato", "yes")]
    [InlineData("graph", "encoder")]
    [InlineData("metrics", "segm_AP")]
    [InlineData("classes", "[[\"1\",\"person\"]]")]
    [InlineData("classes", "[[\"1\",\"a\"],[\"1\",\"b\"],[\"2\",\"c\"],[\"3\",\"d\"],[\"4\",\"e\"],[\"5\",\"f\"]]")]
    [InlineData("classes", "[[\"x\",\"a\"],[\"1\",\"b\"],[\"2\",\"c\"],[\"3\",\"d\"],[\"4\",\"e\"],[\"5\",\"f\"]]")]
    [InlineData("input_transform", "resize")]
    [InlineData("input_height", "dynamic")]          // only one side dynamic
    [InlineData("size_divisibility", "16")]
    public void A_malformed_value_fails_naming_the_key(string key, string value)
    {
        var props = Props();
        props["dimaskdino." + key] = value;

        var error = Assert.Throws<InvalidDataException>(() => ModelMetadata.Parse(props, "m.onnx"));
        Assert.Contains($"\"dimaskdino.{key}\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("m.onnx", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_training_data_and_metrics_are_allowed()
    {
        var props = Props();
        props["dimaskdino.training_data"] = "";
        props["dimaskdino.metrics"] = "";

        var metadata = ModelMetadata.Parse(props, "m.onnx");

        Assert.Equal("", metadata.TrainingData);
        Assert.Empty(metadata.Metrics);
    }

    [Fact]
    public void Metadata_that_disagrees_with_the_graph_fails_naming_the_output()
    {
        using var session = new InferenceSession(tiny.Path);
        var props = Props();
        props["dimaskdino.num_queries"] = "21";
        var metadata = ModelMetadata.Parse(props, "m.onnx");

        var error = Assert.Throws<InvalidDataException>(() => ModelGraph.Validate(metadata, session.InputMetadata, session.OutputMetadata, "m.onnx"));
        Assert.Contains("pred_logits", error.Message, StringComparison.Ordinal);
        Assert.Contains("21", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_size_dynamic_model_loads_with_symbolic_sizes()
    {
        using var session = new InferenceSession(tiny.WriteSizeDynamic("dynamic.onnx"));

        var metadata = ModelGraph.Describe(session, "dynamic.onnx");

        Assert.True(metadata.IsSizeDynamic);
        Assert.Equal((null, null), (metadata.InputHeight, metadata.InputWidth));
        Assert.Equal((null, null), (metadata.MaskHeight, metadata.MaskWidth));
        var error = Assert.Throws<InvalidOperationException>(() => metadata.FixedInputSize());
        Assert.Contains("size-dynamic", error.Message, StringComparison.Ordinal);
        Assert.False(ModelMetadata.Parse(Props(), "m.onnx").IsSizeDynamic);
    }

    [Fact]
    public void Dynamic_metadata_on_a_fixed_size_graph_fails_naming_the_input()
    {
        using var session = new InferenceSession(tiny.Path);
        var props = Props();
        props["dimaskdino.input_height"] = "dynamic";
        props["dimaskdino.input_width"] = "dynamic";
        props["dimaskdino.input_transform"] = "resize_shortest_edge";
        props["dimaskdino.resize_short_edge"] = "96";
        props["dimaskdino.resize_max_size"] = "160";
        var metadata = ModelMetadata.Parse(props, "m.onnx");

        var error = Assert.Throws<InvalidDataException>(() => ModelGraph.Validate(metadata, session.InputMetadata, session.OutputMetadata, "m.onnx"));
        Assert.Contains("\"images\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("[batch, 3, dynamic, dynamic]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_fixed_size_in_the_metadata_of_a_size_dynamic_graph_fails_naming_the_input()
    {
        using var session = new InferenceSession(tiny.WriteSizeDynamic("dynamic-mislabelled.onnx"));
        var props = new Dictionary<string, string>(session.ModelMetadata.CustomMetadataMap)
        {
            ["dimaskdino.input_height"] = "96",
            ["dimaskdino.input_width"] = "96",
        };
        var metadata = ModelMetadata.Parse(props, "m.onnx");

        var error = Assert.Throws<InvalidDataException>(() => ModelGraph.Validate(metadata, session.InputMetadata, session.OutputMetadata, "m.onnx"));
        Assert.Contains("\"images\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_one_dynamic_side_fails_naming_the_key()
    {
        var props = Props();
        props["dimaskdino.input_height"] = "dynamic";

        var error = Assert.Throws<InvalidDataException>(() => ModelMetadata.Parse(props, "m.onnx"));
        Assert.Contains("\"dimaskdino.input_width\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_an_input_transform_key_the_model_is_a_fixed_size_letterbox_model()
    {
        var props = Props();
        props.Remove("dimaskdino.input_transform");   // files written before the key existed

        var metadata = ModelMetadata.Parse(props, "m.onnx");

        Assert.Equal(InputTransformKind.Letterbox, metadata.InputTransform);
        Assert.False(metadata.IsSizeDynamic);
        Assert.Equal((0, 0, 32), (metadata.ResizeShortEdge, metadata.ResizeMaxSize, metadata.SizeDivisibility));
    }

    [Fact]
    public void The_official_resize_and_a_dynamic_size_are_read()
    {
        var props = Props();
        props["dimaskdino.input_transform"] = "resize_shortest_edge";
        props["dimaskdino.resize_short_edge"] = "800";
        props["dimaskdino.resize_max_size"] = "1333";
        props["dimaskdino.size_divisibility"] = "32";
        props["dimaskdino.input_height"] = "dynamic";
        props["dimaskdino.input_width"] = "dynamic";

        var metadata = ModelMetadata.Parse(props, "m.onnx");

        Assert.Equal(InputTransformKind.ResizeShortestEdge, metadata.InputTransform);
        Assert.Equal((800, 1333, 32), (metadata.ResizeShortEdge, metadata.ResizeMaxSize, metadata.SizeDivisibility));
        Assert.True(metadata.IsSizeDynamic);

        // This graph's input is a fixed 96×96, which a size-dynamic description does not accept.
        using var session = new InferenceSession(tiny.Path);
        var error = Assert.Throws<InvalidDataException>(() => ModelGraph.Validate(metadata, session.InputMetadata, session.OutputMetadata, "m.onnx"));
        Assert.Contains("[batch, 3, dynamic, dynamic]", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("resize_short_edge")]
    [InlineData("resize_max_size")]
    public void The_official_resize_needs_its_sizes(string missing)
    {
        var props = Props();
        props["dimaskdino.input_transform"] = "resize_shortest_edge";
        props["dimaskdino.resize_short_edge"] = "800";
        props["dimaskdino.resize_max_size"] = "1333";
        props.Remove("dimaskdino." + missing);

        var error = Assert.Throws<InvalidDataException>(() => ModelMetadata.Parse(props, "m.onnx"));
        Assert.Contains($"\"dimaskdino.{missing}\" is missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dynamic_letterbox_model_is_refused()
    {
        var props = Props();
        props["dimaskdino.input_height"] = "dynamic";
        props["dimaskdino.input_width"] = "dynamic";

        var error = Assert.Throws<InvalidDataException>(() => ModelMetadata.Parse(props, "m.onnx"));
        Assert.Contains("a letterbox model needs a fixed input size", error.Message, StringComparison.Ordinal);
    }

    private Dictionary<string, string> Props()
    {
        using var session = new InferenceSession(tiny.Path);
        return new Dictionary<string, string>(session.ModelMetadata.CustomMetadataMap);
    }
}
