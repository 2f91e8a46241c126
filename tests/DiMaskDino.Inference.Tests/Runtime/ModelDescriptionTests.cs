using DiMaskDino.Inference.Runtime;
using Microsoft.ML.OnnxRuntime;

namespace DiMaskDino.Inference.Tests.Runtime;

/// <summary>ModelDescription parsing and graph checks on the real metadata of an exported tiny model.</summary>
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
    public void A_malformed_value_fails_naming_the_key(string key, string value)
    {
        var props = Props();
        props["dimaskdino." + key] = value;

        var error = Assert.Throws<InvalidDataException>(() => ModelDescription.Parse(props, "m.onnx"));
        Assert.Contains($"\"dimaskdino.{key}\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("m.onnx", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_training_data_and_metrics_are_allowed()
    {
        var props = Props();
        props["dimaskdino.training_data"] = "";
        props["dimaskdino.metrics"] = "";

        var metadata = ModelDescription.Parse(props, "m.onnx");

        Assert.Equal("", metadata.TrainingData);
        Assert.Empty(metadata.Metrics);
    }

    [Fact]
    public void Metadata_that_disagrees_with_the_graph_fails_naming_the_output()
    {
        using var session = new InferenceSession(tiny.Path);
        var props = Props();
        props["dimaskdino.num_queries"] = "21";
        var metadata = ModelDescription.Parse(props, "m.onnx");

        var error = Assert.Throws<InvalidDataException>(() => metadata.ValidateGraph(session.InputMetadata, session.OutputMetadata, "m.onnx"));
        Assert.Contains("pred_logits", error.Message, StringComparison.Ordinal);
        Assert.Contains("21", error.Message, StringComparison.Ordinal);
    }

    private Dictionary<string, string> Props()
    {
        using var session = new InferenceSession(tiny.Path);
        return new Dictionary<string, string>(session.ModelMetadata.CustomMetadataMap);
    }
}
