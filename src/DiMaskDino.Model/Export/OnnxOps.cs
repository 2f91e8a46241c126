// Thin wrappers for the plain ONNX operators the exporter chains (model.md §13.2): shape constants become int64
// initializers, so each wrapper is one node. Batch stays dynamic: reshapes use 0 (copy) or −1 for the batch axis.

namespace DiMaskDino.Model.Export;

/// <summary>One ONNX node each; every method returns the output tensor name.</summary>
public static class OnnxOps
{
    public static string Reshape(OnnxGraphBuilder g, string x, long[] shape, string name = "reshape") =>
        g.AddNode("Reshape", [x, g.AddInt64Constant(name + "_shape", shape)], name);

    public static string Transpose(OnnxGraphBuilder g, string x, long[] perm, string name = "transpose") =>
        g.AddNode("Transpose", [x], name, Attr.Ints("perm", perm));

    public static string Add(OnnxGraphBuilder g, string a, string b, string name = "add") => g.AddNode("Add", [a, b], name);

    public static string Sub(OnnxGraphBuilder g, string a, string b, string name = "sub") => g.AddNode("Sub", [a, b], name);

    public static string Mul(OnnxGraphBuilder g, string a, string b, string name = "mul") => g.AddNode("Mul", [a, b], name);

    public static string Div(OnnxGraphBuilder g, string a, string b, string name = "div") => g.AddNode("Div", [a, b], name);

    public static string MatMul(OnnxGraphBuilder g, string a, string b, string name = "matmul") => g.AddNode("MatMul", [a, b], name);

    public static string Relu(OnnxGraphBuilder g, string x, string name = "relu") => g.AddNode("Relu", [x], name);

    public static string Softmax(OnnxGraphBuilder g, string x, long axis = -1, string name = "softmax") =>
        g.AddNode("Softmax", [x], name, Attr.Int("axis", axis));

    /// <summary>Multiplies by a float32 scalar constant.</summary>
    public static string Scale(OnnxGraphBuilder g, string x, float factor, string name = "scale") =>
        Mul(g, x, g.AddFloatConstant(name + "_factor", [factor]), name);

    /// <summary>x[..., start:end, ...] along <paramref name="axis"/> (step 1).</summary>
    public static string Slice(OnnxGraphBuilder g, string x, long axis, long start, long end, string name = "slice") =>
        g.AddNode(
            "Slice",
            [x, g.AddInt64Constant(name + "_starts", [start]), g.AddInt64Constant(name + "_ends", [end]), g.AddInt64Constant(name + "_axes", [axis])],
            name);

    /// <summary>x.select(axis, index): Gather with a scalar index removes the axis.</summary>
    public static string Select(OnnxGraphBuilder g, string x, long axis, long index, string name = "select") =>
        g.AddNode("Gather", [x, g.AddInt64Constant(name + "_index", [index], [])], name, Attr.Int("axis", axis));

    public static string Unsqueeze(OnnxGraphBuilder g, string x, long[] axes, string name = "unsqueeze") =>
        g.AddNode("Unsqueeze", [x, g.AddInt64Constant(name + "_axes", axes)], name);

    public static string Concat(OnnxGraphBuilder g, string[] inputs, long axis, string name = "concat") =>
        g.AddNode("Concat", inputs, name, Attr.Int("axis", axis));

    /// <summary>Sum over <paramref name="axes"/> (opset 13+: axes as an input).</summary>
    public static string ReduceSum(OnnxGraphBuilder g, string x, long[] axes, bool keepDims, string name = "reducesum") =>
        g.AddNode("ReduceSum", [x, g.AddInt64Constant(name + "_axes", axes)], name, Attr.Int("keepdims", keepDims ? 1 : 0));

    /// <summary>The runtime shape of <paramref name="x"/> as an int64 vector.</summary>
    public static string Shape(OnnxGraphBuilder g, string x, string name = "shape") => g.AddNode("Shape", [x], name);
}
