// ONNX emitters for the two attention blocks (model.md §3.4, §13.2): multi-scale deformable attention mirrored op for
// op from MultiScaleDeformableAttention + DeformableSampling (GridSample per level), and batch-first multi-head
// attention mirrored from MultiHeadAttention (MatMul, Mul 1/√d_h, Softmax, optional Where mask).

using DiMaskDino.Model.Attention;
using DiMaskDino.Model.Common;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Export;

/// <summary>MSDA and MHA emitters; batch, token counts and level sizes may be dynamic.</summary>
public static class AttentionEmitters
{
    /// <summary>MSDA (§3.4) with the module's weights; the query count is read from <paramref name="query"/>'s runtime shape.</summary>
    /// <param name="query">[B, Nq, d]</param>
    /// <param name="reference">[B or 1, Nq, N_l, 2] points (offsets in pixels of each level) or [B or 1, Nq, N_l, 4] boxes</param>
    /// <param name="referenceDim">2 or 4, the last axis of <paramref name="reference"/></param>
    /// <param name="value">[B, S, d], levels flattened in <paramref name="levels"/> order</param>
    /// <returns>[B, Nq, d]</returns>
    public static string MultiScaleDeformableAttention(
        OnnxGraphBuilder g, string query, string reference, int referenceDim, string value,
        MultiScaleDeformableAttention msda, LevelGeometry levels, string name = "msda")
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(msda);
        ArgumentNullException.ThrowIfNull(levels);
        if (levels.Count != msda.Levels || (referenceDim != 2 && referenceDim != 4))
        {
            throw new ArgumentException($"expected {msda.Levels} levels and a 2- or 4-D reference, got {levels.Count} and {referenceDim}");
        }

        long heads = msda.Heads, levelCount = msda.Levels, points = msda.Points, dim = msda.Dim, headDim = dim / heads;
        var queries = OnnxOps.Slice(g, OnnxOps.Shape(g, query, name + "_query_shape"), 0, 1, 2, name + "_queries"); // Nq, int64 [1]

        var v = LayerEmitters.Linear(g, value, msda.ValueProjection, name + "_value");
        v = OnnxOps.Reshape(g, v, [0, -1, heads, headDim], name + "_value_heads");                         // [B, S, H, d_h]
        var weights = LayerEmitters.Linear(g, query, msda.AttentionWeights, name + "_weights");
        weights = OnnxOps.Reshape(g, weights, [0, -1, heads, levelCount * points], name + "_weights4");    // [B, Nq, H, L·P]
        weights = OnnxOps.Softmax(g, weights, -1, name + "_softmax");

        string grids;
        if (referenceDim == 2)
        {
            // grid = 2·(ref + offset/(W_l, H_l)) − 1 = (2·ref − 1) + offset·2/(W_l, H_l): the per-channel factor 2/size
            // goes into the offsets projection's weights and bias (a [d, H·L·P·2] product, not a pass over every
            // offset), and the origin is added with its points expanded, so the broadcast runs over 2·L·P-float spans.
            var sizes = OnnxOps.Concat(g, [.. Enumerable.Range(0, levels.Count).SelectMany(l => new[] { levels.Width(l), levels.Height(l) })], 0, name + "_sizes");
            var sizesFloat = OnnxOps.Reshape(
                g, g.AddNode("Cast", [sizes], name + "_sizes_float", Attr.Int("to", (long)Onnx.TensorProto.Types.DataType.Float)), [1, levelCount, 1, 2], name + "_normalizer");
            var factor = OnnxOps.Div(g, g.AddFloatConstant(name + "_two", [2f], []), sizesFloat, name + "_factor");          // [1, L, 1, 2]
            factor = g.AddNode("Expand", [factor, g.AddInt64Constant(name + "_factor_shape", [heads, levelCount, points, 2])], name + "_factor4");
            factor = OnnxOps.Reshape(g, factor, [-1], name + "_factor_flat");                                // [H·L·P·2]
            var offsetsLinear = msda.SamplingOffsets;
            using var transposed = offsetsLinear.weight!.detach().t();
            var scaledWeight = OnnxOps.Mul(g, g.AddWeight(name + "_offsets_weight", transposed, channelAxis: 1), factor, name + "_offsets_weight_scaled");
            var scaledBias = OnnxOps.Mul(g, g.AddWeight(name + "_offsets_bias", offsetsLinear.bias!), factor, name + "_offsets_bias_scaled");
            var steps = LayerEmitters.Gemm(g, query, scaledWeight, scaledBias, dim, heads * levelCount * points * 2, name + "_offsets"); // [B, Nq, H·L·P·2]
            steps = OnnxOps.Reshape(g, steps, [0, -1, heads, levelCount * points * 2], name + "_steps");     // [B, Nq, H, L·P·2]
            var origin = OnnxOps.Sub(g, OnnxOps.Scale(g, reference, 2f, name + "_ref_twice"), g.AddFloatConstant(name + "_one", [1f]), name + "_ref_grid"); // [B|1, Nq, L, 2]
            origin = g.AddNode(
                "Expand", [OnnxOps.Unsqueeze(g, origin, [3], name + "_ref_points"), g.AddInt64Constant(name + "_ref_expand", [1, 1, 1, points, 1])],
                name + "_ref_expanded");                                                                      // [B|1, Nq, L, P, 2]
            origin = OnnxOps.Reshape(g, origin, [0, -1, 1, levelCount * points * 2], name + "_origin");     // [B|1, Nq, 1, L·P·2]
            grids = OnnxOps.Reshape(g, OnnxOps.Add(g, steps, origin, name + "_grid_flat"), [0, -1, heads, levelCount, points, 2], name + "_grids"); // [B, Nq, H, L, P, 2]
        }
        else
        {
            var offsets = LayerEmitters.Linear(g, query, msda.SamplingOffsets, name + "_offsets");
            offsets = OnnxOps.Reshape(g, offsets, [0, -1, heads, levelCount, points, 2], name + "_offsets6"); // [B, Nq, H, L, P, 2]
            var origin = OnnxOps.Unsqueeze(g, reference, [2, 4], name + "_origin");                          // [B, Nq, 1, L, 1, 4]
            var centre = OnnxOps.Slice(g, origin, -1, 0, 2, name + "_centre");
            var size = OnnxOps.Slice(g, origin, -1, 2, 4, name + "_size");
            var step = OnnxOps.Div(g, offsets, g.AddFloatConstant(name + "_points", [points]), name + "_perpoint");
            step = OnnxOps.Scale(g, OnnxOps.Mul(g, step, size, name + "_boxscaled"), 0.5f, name + "_half");
            var locations = OnnxOps.Add(g, centre, step, name + "_locations");
            grids = OnnxOps.Sub(g, OnnxOps.Scale(g, locations, 2f, name + "_twice"), g.AddFloatConstant(name + "_one", [1f]), name + "_grids");
        }

        // Per level: sample [B·H, d_h, P, Nq] (points as rows, queries as the contiguous axis), weight by the level's
        // attention [B·H, 1, P, Nq] and sum over P, a reduction over a middle axis; then add the levels. Never stacks
        // the L·P samples (TorchSharp's stack + sum: same terms, summed in another order).
        var attention = OnnxOps.Reshape(g, weights, [0, -1, heads, levelCount, points], name + "_weights5");   // [B, Nq, H, L, P]
        attention = OnnxOps.Transpose(g, attention, [0, 2, 3, 4, 1], name + "_weights_heads");               // [B, H, L, P, Nq]
        attention = g.AddNode("Reshape", [attention, levels.Shape(name + "_attention_shape", -1L, levelCount, points, queries)], name + "_attention"); // [B·H, L, P, Nq]
        var levelWeights = g.AddNode(
            "Split", [attention], [.. Enumerable.Range(0, levels.Count).Select(l => $"{name}_l{l}_attention")], Attr.Int("axis", 1)); // [B·H, 1, P, Nq] each
        var perLevel = g.AddNode("Split", [v, levels.SplitSizes], [.. Enumerable.Range(0, levels.Count).Select(l => $"{name}_l{l}_tokens")], Attr.Int("axis", 1));
        var sums = new string[levelCount];
        for (var l = 0; l < levelCount; l++)
        {
            string level = $"{name}_l{l}";
            var map = OnnxOps.Transpose(g, perLevel[l], [0, 2, 3, 1], level + "_channels_first");             // [B, H, d_h, HW]
            map = g.AddNode(
                "Reshape", [map, levels.Shape(level + "_map_shape", -1L, headDim, levels.Height(l), levels.Width(l))], level + "_map"); // [B·H, d_h, H_l, W_l]
            var grid = OnnxOps.Select(g, grids, 3, l, level + "_grid5");                                     // [B, Nq, H, P, 2]
            grid = OnnxOps.Transpose(g, grid, [0, 2, 3, 1, 4], level + "_grid_heads");                     // [B, H, P, Nq, 2]
            grid = g.AddNode("Reshape", [grid, levels.Shape(level + "_grid_shape", -1L, points, queries, 2L)], level + "_grid"); // [B·H, P, Nq, 2]
            var sample = InterpolationEmitters.GridSample(g, map, grid, level + "_sample");                 // [B·H, d_h, P, Nq]
            sums[l] = OnnxOps.ReduceSum(g, OnnxOps.Mul(g, sample, levelWeights[l], level + "_weighted"), [2], false, level + "_sum"); // [B·H, d_h, Nq]
        }

        var summed = levelCount == 1 ? sums[0] : g.AddNode("Sum", sums, name + "_sum");                       // [B·H, d_h, Nq]
        var output = g.AddNode("Reshape", [summed, levels.Shape(name + "_merge_shape", -1L, dim, queries)], name + "_merge"); // [B, d, Nq]
        output = OnnxOps.Transpose(g, output, [0, 2, 1], name + "_tokens_first");                          // [B, Nq, d]
        return LayerEmitters.Linear(g, output, msda.OutputProjection, name + "_out");
    }

    /// <summary>Batch-first MHA (PyTorch parameter layout) with an optional constant or input mask.</summary>
    /// <param name="query">[B, Nq, d]</param>
    /// <param name="key">[B, Nk, d]</param>
    /// <param name="value">[B, Nk, d]</param>
    /// <param name="heads">H_h the module was built with</param>
    /// <param name="blocked">optional bool tensor name [Nq, Nk], true = blocked (−∞ before the softmax)</param>
    /// <returns>[B, Nq, d]</returns>
    public static string MultiHeadAttention(
        OnnxGraphBuilder g, string query, string key, string value, MultiHeadAttention mha, int heads,
        string? blocked = null, string name = "mha")
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(mha);
        using var scope = NewDisposeScope();
        long dim = mha.InProjectionWeight.shape[1], headDim = dim / heads;
        var weights = mha.InProjectionWeight.detach().chunk(3, 0);
        var biases = mha.InProjectionBias.detach().chunk(3, 0);

        var q = LayerEmitters.Linear(g, query, weights[0], biases[0], name + "_q");
        q = OnnxOps.Scale(g, q, (float)(1.0 / Math.Sqrt(headDim)), name + "_q_scaled");
        var k = LayerEmitters.Linear(g, key, weights[1], biases[1], name + "_k");
        var v = LayerEmitters.Linear(g, value, weights[2], biases[2], name + "_v");

        q = OnnxOps.Transpose(g, OnnxOps.Reshape(g, q, [0, -1, heads, headDim], name + "_q4"), [0, 2, 1, 3], name + "_qh"); // [B, H, Nq, dh]
        k = OnnxOps.Transpose(g, OnnxOps.Reshape(g, k, [0, -1, heads, headDim], name + "_k4"), [0, 2, 3, 1], name + "_kt"); // [B, H, dh, Nk]
        v = OnnxOps.Transpose(g, OnnxOps.Reshape(g, v, [0, -1, heads, headDim], name + "_v4"), [0, 2, 1, 3], name + "_vh"); // [B, H, Nk, dh]
        var logits = OnnxOps.MatMul(g, q, k, name + "_logits");                                             // [B, H, Nq, Nk]
        if (blocked is not null)
        {
            logits = g.AddNode("Where", [blocked, g.AddFloatConstant(name + "_neginf", [float.NegativeInfinity]), logits], name + "_masked");
        }

        var attention = OnnxOps.Softmax(g, logits, -1, name + "_softmax");
        var output = OnnxOps.MatMul(g, attention, v, name + "_context");                                    // [B, H, Nq, dh]
        output = OnnxOps.Transpose(g, output, [0, 2, 1, 3], name + "_context_tokens");                     // [B, Nq, H, dh]
        output = OnnxOps.Reshape(g, output, [0, -1, dim], name + "_merge");                                 // [B, Nq, d]
        return LayerEmitters.Linear(g, output, mha.OutProjection, name + "_out");
    }
}
