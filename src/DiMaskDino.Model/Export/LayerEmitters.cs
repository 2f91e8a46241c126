// ONNX emitters for the convolutional and dense building blocks (model.md §13.2): Conv (frozen BN folded in),
// MaxPool, Linear (MatMul + Add), MLP_k, LayerNormalization, and GroupNorm(32) as Reshape → InstanceNormalization →
// Reshape → Mul → Add (GroupNormalization only exists from opset 18).

using DiMaskDino.Model.Backbone;
using DiMaskDino.Model.Common;
using DiMaskDino.Model.PixelDecoder;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Export;

/// <summary>Each emitter takes the builder, the input tensor name(s) and the TorchSharp module, and returns the output name.</summary>
public static class LayerEmitters
{
    /// <summary>Conv2d with the module's stride, padding, dilation and groups (zero padding only).</summary>
    /// <param name="x">[B, C_in, H, W]</param>
    /// <returns>[B, C_out, H', W']</returns>
    public static string Conv2d(OnnxGraphBuilder g, string x, Conv2d conv, string name = "conv")
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(conv);
        return Conv(g, x, conv.weight!, conv.bias, ConvGeometry(conv), name);
    }

    /// <summary>
    /// Conv2d followed by frozen batch norm, folded: W' = W·s (per output channel), b' = b·s + t. The products are
    /// nodes on constants (ONNX Runtime folds them when it loads the model) over the stored W, so a lossy
    /// <see cref="WeightPrecision"/> rounds W itself, the module's own weight: the rounded TorchSharp model (conv, then
    /// its batch norm) and the graph then differ only by float32 rounding, however s scales the channels.
    /// </summary>
    /// <param name="x">[B, C_in, H, W]</param>
    /// <returns>[B, C_out, H', W']</returns>
    public static string Conv2dFrozenBn(OnnxGraphBuilder g, string x, Conv2d conv, FrozenBatchNorm2d bn, string name = "conv")
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(conv);
        ArgumentNullException.ThrowIfNull(bn);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        // The module itself gives its affine (whatever ε it was built with): t = bn(0), s = bn(1) − bn(0).
        var shift = bn.call(zeros(1, bn.NumFeatures, 1, 1)).flatten();                  // [C_out]
        var factor = bn.call(ones(1, bn.NumFeatures, 1, 1)).flatten() - shift;         // [C_out]
        var weight = OnnxOps.Mul(
            g, g.AddWeight(name + "_weight", conv.weight!, channelAxis: 0), g.AddFloatConstant(name + "_bn_scale", factor.view(-1, 1, 1, 1)),
            name + "_weight_folded");
        var shiftName = g.AddFloatConstant(name + "_bn_shift", shift);
        var bias = conv.bias is null
            ? shiftName
            : OnnxOps.Add(g, OnnxOps.Mul(g, g.AddWeight(name + "_bias", conv.bias), g.AddFloatConstant(name + "_bn_scale_flat", factor), name + "_bias_scaled"), shiftName, name + "_bias_folded");
        return ConvNode(g, x, weight, bias, conv.weight!.shape, ConvGeometry(conv), name);
    }

    /// <summary>NormConv2d: bias-free conv (stride 1, pad k/2) → GroupNorm → ReLU when <paramref name="relu"/>.</summary>
    /// <param name="relu">must match how the module was built (the flag is private to it)</param>
    public static string NormConv2d(OnnxGraphBuilder g, string x, NormConv2d module, bool relu, string name = "normconv")
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(module);
        var weight = module.Weight;
        long pad = weight.shape[2] / 2;
        var norm = ModuleTree.Child<GroupNorm>(module, "norm");
        var y = Conv(g, x, weight, null, ([1, 1], [pad, pad, pad, pad], [1, 1], 1), name);
        y = GroupNorm(g, y, norm, name + "_gn");
        return relu ? OnnxOps.Relu(g, y, name + "_relu") : y;
    }

    /// <summary>MaxPool with a square kernel (the ResNet stem: 3, 2, 1).</summary>
    public static string MaxPool(OnnxGraphBuilder g, string x, long kernel, long stride, long padding, string name = "maxpool")
    {
        ArgumentNullException.ThrowIfNull(g);
        return g.AddNode(
            "MaxPool", [x], name,
            Attr.Ints("kernel_shape", kernel, kernel), Attr.Ints("strides", stride, stride),
            Attr.Ints("pads", padding, padding, padding, padding));
    }

    /// <summary>y = x·Wᵀ + b as MatMul with the stored Wᵀ [in, out] plus Add.</summary>
    /// <param name="x">[..., in]</param>
    /// <returns>[..., out]</returns>
    public static string Linear(OnnxGraphBuilder g, string x, Linear linear, string name = "linear")
    {
        ArgumentNullException.ThrowIfNull(linear);
        return Linear(g, x, linear.weight!, linear.bias, name);
    }

    /// <summary>
    /// y = x·Wᵀ + b for an explicit weight [out, in] and optional bias [out]. With a bias, the rows are flattened to
    /// a 2-D Gemm, which adds the bias inside the matrix product (a MatMul on [B, N, in] leaves a separate Add pass
    /// over the whole output, the costliest elementwise op at the paper size).
    /// </summary>
    public static string Linear(OnnxGraphBuilder g, string x, Tensor weight, Tensor? bias, string name = "linear")
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(weight);
        using var transposed = weight.detach().t();
        var storedWeight = g.AddWeight(name + "_weight", transposed, channelAxis: 1);
        if (bias is null)
        {
            return OnnxOps.MatMul(g, x, storedWeight, name + "_matmul");
        }

        return Gemm(g, x, storedWeight, g.AddWeight(name + "_bias", bias), weight.shape[1], weight.shape[0], name);
    }

    /// <summary>y = x·W + b as a 2-D Gemm over the flattened rows of <paramref name="x"/> [..., in] → [..., out].</summary>
    /// <param name="weight">W [in, out], a tensor of the graph</param>
    /// <param name="bias">b [out], a tensor of the graph</param>
    public static string Gemm(OnnxGraphBuilder g, string x, string weight, string bias, long inputs, long outputs, string name)
    {
        ArgumentNullException.ThrowIfNull(g);
        var rows = OnnxOps.Reshape(g, x, [-1, inputs], name + "_rows");                                   // [N, in]
        var product = g.AddNode("Gemm", [rows, weight, bias], name + "_gemm");                            // [N, out]
        var leading = OnnxOps.Slice(g, OnnxOps.Shape(g, x, name + "_inshape"), 0, 0, -1, name + "_leading");
        var shape = OnnxOps.Concat(g, [leading, g.AddInt64Constant(name + "_out", [outputs])], 0, name + "_outshape");
        return g.AddNode("Reshape", [product, shape], name);                                              // [..., out]
    }

    /// <summary>MLP_k: Linear layers with ReLU between them, none after the last.</summary>
    public static string Mlp(OnnxGraphBuilder g, string x, Mlp mlp, string name = "mlp")
    {
        ArgumentNullException.ThrowIfNull(mlp);
        var y = x;
        for (var i = 0; i < mlp.NumLayers; i++)
        {
            y = Linear(g, y, mlp.Layer(i), $"{name}_{i}");
            if (i < mlp.NumLayers - 1)
            {
                y = OnnxOps.Relu(g, y, $"{name}_{i}_relu");
            }
        }

        return y;
    }

    /// <summary>LayerNormalization over the last axis with the module's ε and affine.</summary>
    public static string LayerNorm(OnnxGraphBuilder g, string x, LayerNorm norm, string name = "ln")
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(norm);
        return g.AddNode(
            "LayerNormalization",
            [x, g.AddWeight(name + "_weight", norm.weight!), g.AddWeight(name + "_bias", norm.bias!)],
            name, Attr.Int("axis", -1), Attr.Float("epsilon", (float)norm.eps));
    }

    /// <summary>
    /// GroupNorm: [B, C, H, W] → Reshape [B, G, C/G·H·W] → InstanceNormalization (scale 1, bias 0, the module's ε)
    /// → Reshape back to the input shape → Mul γ [C, 1, 1] → Add β [C, 1, 1].
    /// </summary>
    public static string GroupNorm(OnnxGraphBuilder g, string x, GroupNorm norm, string name = "gn")
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(norm);
        long groups = norm.num_groups;
        long channels = norm.weight!.shape[0];
        var grouped = OnnxOps.Reshape(g, x, [0, groups, -1], name + "_group");                   // [B, G, C/G·H·W]
        var normalised = g.AddNode(
            "InstanceNormalization",
            [grouped, g.AddFloatConstant(name + "_one", Enumerable.Repeat(1f, (int)groups).ToArray(), groups),
             g.AddFloatConstant(name + "_zero", new float[groups], groups)],
            name + "_in", Attr.Float("epsilon", (float)norm.eps));
        var restored = g.AddNode("Reshape", [normalised, OnnxOps.Shape(g, x, name + "_shape")], name + "_ungroup"); // [B, C, H, W]
        using var scope = NewDisposeScope();
        var scaled = OnnxOps.Mul(g, restored, g.AddWeight(name + "_weight", norm.weight.detach().view(channels, 1, 1)), name + "_mul");
        return OnnxOps.Add(g, scaled, g.AddWeight(name + "_bias", norm.bias!.detach().view(channels, 1, 1)), name);
    }

    private static (long[] Strides, long[] Pads, long[] Dilations, long Groups) ConvGeometry(Conv2d conv)
    {
        if (conv.padding_mode != TorchSharp.PaddingModes.Zeros)
        {
            throw new NotSupportedException($"only zero-padded convolutions are exported, got {conv.padding_mode}");
        }

        long[] padding = conv.padding ?? throw new NotSupportedException("convolutions with symbolic padding are not exported");
        long[] stride = conv.stride;
        long[] dilation = conv.dilation;
        return (Pair(stride), [.. Pair(padding), .. Pair(padding)], Pair(dilation), conv.groups);
    }

    private static long[] Pair(long[] values) => values.Length == 1 ? [values[0], values[0]] : [values[0], values[1]];

    private static string Conv(
        OnnxGraphBuilder g, string x, Tensor weight, Tensor? bias,
        (long[] Strides, long[] Pads, long[] Dilations, long Groups) geometry, string name) =>
        ConvNode(
            g, x, g.AddWeight(name + "_weight", weight, channelAxis: 0), bias is null ? null : g.AddWeight(name + "_bias", bias),
            weight.shape, geometry, name);

    private static string ConvNode(
        OnnxGraphBuilder g, string x, string weight, string? bias, long[] weightShape,
        (long[] Strides, long[] Pads, long[] Dilations, long Groups) geometry, string name) =>
        g.AddNode(
            "Conv", bias is null ? [x, weight] : [x, weight, bias], name,
            Attr.Ints("kernel_shape", weightShape[2], weightShape[3]), Attr.Ints("strides", geometry.Strides),
            Attr.Ints("pads", geometry.Pads), Attr.Ints("dilations", geometry.Dilations), Attr.Int("group", geometry.Groups));
}
