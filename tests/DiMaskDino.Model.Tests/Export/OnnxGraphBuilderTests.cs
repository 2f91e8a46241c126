// The graph builder's file-level contract (model.md §13.1): opset 17 / IR 8, symbolic batch, unique names,
// metadata_props, float16 initializers followed by a Cast.

using DiMaskDino.Model.Export;
using Onnx;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.Export;

public sealed class OnnxGraphBuilderTests
{
    [Fact]
    public void Built_model_declares_opset_17_ir_8_symbolic_batch_and_metadata()
    {
        var g = new OnnxGraphBuilder("t");
        g.AddInput("x", OnnxGraphBuilder.BatchDim, 4L);
        g.AddOutput("y", OnnxOps.Relu(g, "x"), OnnxGraphBuilder.BatchDim, 4L);
        g.AddMetadata("k", "v");
        var model = ModelProto.Parser.ParseFrom(g.ToBytes());

        Assert.Equal(8, model.IrVersion);
        Assert.Equal(17, Assert.Single(model.OpsetImport).Version);
        Assert.Equal("batch", model.Graph.Input[0].Type.TensorType.Shape.Dim[0].DimParam);
        Assert.Equal(4, model.Graph.Output[0].Type.TensorType.Shape.Dim[1].DimValue);
        Assert.Equal("v", Assert.Single(model.MetadataProps).Value);
        Assert.Throws<ArgumentException>(() => g.AddMetadata("k", "w"));
    }

    [Fact]
    public void Names_stay_unique_across_repeated_base_names()
    {
        var g = new OnnxGraphBuilder("t");
        string[] names = [g.UniqueName("a"), g.UniqueName("a"), g.UniqueName("a_1"), g.UniqueName("a")];
        Assert.Equal(names.Length, names.Distinct().Count());
        var model = ModelProto.Parser.ParseFrom(g.ToBytes());
        Assert.Empty(model.Graph.Node);
    }

    [Fact]
    public void Float16_weight_is_stored_as_half_and_cast_back_to_float()
    {
        var g = new OnnxGraphBuilder("t", float16Weights: true);
        using var weight = tensor(new[] { 1f, 0.1f, -3f });
        g.AddInput("x", 3L);
        g.AddOutput("y", OnnxOps.Mul(g, "x", g.AddWeight("w", weight)), 3L);
        var model = ModelProto.Parser.ParseFrom(g.ToBytes());

        var initializer = Assert.Single(model.Graph.Initializer);
        Assert.Equal((int)TensorProto.Types.DataType.Float16, initializer.DataType);
        Assert.Equal(6, initializer.RawData.Length);
        Assert.Contains(model.Graph.Node, n => n.OpType == "Cast" && n.Input[0] == initializer.Name);

        using var x = ones(3);
        using var y = OrtParity.Run(g.ToBytes(), [("x", x)], ["y"])[0];
        Assert.Equal(new[] { 1f, (float)(Half)0.1f, -3f }, y.data<float>().ToArray());
    }
}
