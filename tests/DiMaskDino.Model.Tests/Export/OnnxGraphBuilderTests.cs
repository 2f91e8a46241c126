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
        var g = new OnnxGraphBuilder("t", WeightPrecision.Float16);
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
        Assert.Equal(y.data<float>().ToArray(), weight.data<float>().ToArray());   // the source now holds the stored values
    }

    [Fact]
    public void Int8_matrix_is_stored_as_codes_and_channel_scales_and_the_source_holds_what_the_graph_computes()
    {
        var g = new OnnxGraphBuilder("t", WeightPrecision.Int8);
        manual_seed(3);
        using var matrix = randn(64, 96);                        // a stored Wᵀ [in, out]: channels along axis 1
        using var original = matrix.clone();
        using var bias = randn(96);
        g.AddInput("x", OnnxGraphBuilder.BatchDim, 64L);
        var y = OnnxOps.Add(g, OnnxOps.MatMul(g, "x", g.AddWeight("w", matrix, channelAxis: 1)), g.AddWeight("b", bias));
        g.AddOutput("y", y, OnnxGraphBuilder.BatchDim, 96L);
        var model = ModelProto.Parser.ParseFrom(g.ToBytes());

        var codes = Assert.Single(model.Graph.Initializer, t => t.DataType == (int)TensorProto.Types.DataType.Int8);
        Assert.Equal(64 * 96, codes.RawData.Length);
        var scales = Assert.Single(model.Graph.Initializer, t => t.Name.StartsWith("w_scale", StringComparison.Ordinal));
        Assert.Equal([1L, 96], scales.Dims);
        Assert.Single(model.Graph.Initializer, t => t.DataType == (int)TensorProto.Types.DataType.Float16);   // the bias
        using var rounding = (matrix - original).abs().max();
        Assert.InRange(rounding.item<float>(), 1e-6, original.abs().max().item<float>() / 254 * 1.001);

        manual_seed(4);
        using var x = randn(5, 64);
        using var actual = OrtParity.Run(g.ToBytes(), [("x", x)], ["y"])[0];
        using var expected = x.matmul(matrix) + bias;
        Assert.InRange(OrtParity.MaxAbs(expected, actual), 0, 1e-5);
    }

    [Fact]
    public void Int8_leaves_small_matrices_and_weights_without_a_channel_axis_in_float16()
    {
        var g = new OnnxGraphBuilder("t", WeightPrecision.Int8);
        using var small = ones(8, 8);
        using var large = ones(128, 128);
        g.AddWeight("small", small, channelAxis: 0);
        g.AddWeight("axisless", large);
        var model = ModelProto.Parser.ParseFrom(g.ToBytes());
        Assert.All(model.Graph.Initializer, t => Assert.Equal((int)TensorProto.Types.DataType.Float16, t.DataType));
    }
}
