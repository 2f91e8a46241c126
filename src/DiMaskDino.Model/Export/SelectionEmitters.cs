// ONNX emitters for the top-k query selections (model.md §4.4, §5.4, §13.2 "selections"): class-max score
// (ReduceMax, axes attribute at opset 17), TopK (k as an int64 input, largest, sorted) and a per-image row gather
// (GatherND with batch_dims 1), mirroring amax → topk → gather in Query/TwoStageSelection.

namespace DiMaskDino.Model.Export;

/// <summary>Score, top-k and gather for query selection; batch dynamic, k fixed.</summary>
public static class SelectionEmitters
{
    /// <summary>max over the last axis (class max).</summary>
    /// <param name="logits">[B, N, C]</param>
    /// <returns>[B, N]</returns>
    public static string ClassMax(OnnxGraphBuilder g, string logits, string name = "classmax")
    {
        ArgumentNullException.ThrowIfNull(g);
        return g.AddNode("ReduceMax", [logits], name, Attr.Ints("axes", -1), Attr.Int("keepdims", 0));
    }

    /// <summary>Indices of the <paramref name="k"/> largest scores per image, descending.</summary>
    /// <param name="scores">[B, N]</param>
    /// <returns>[B, k] int64</returns>
    public static string TopKIndices(OnnxGraphBuilder g, string scores, long k, string name = "topk")
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        var outputs = g.AddNode(
            "TopK", [scores, g.AddInt64Constant(name + "_k", [k])], [name + "_values", name + "_indices"],
            Attr.Int("axis", -1), Attr.Int("largest", 1), Attr.Int("sorted", 1));
        return outputs[1];
    }

    /// <summary>Per image, the rows at <paramref name="indices"/>: out[b, i] = source[b, indices[b, i]].</summary>
    /// <param name="source">[B, N, C]</param>
    /// <param name="indices">[B, k] int64</param>
    /// <returns>[B, k, C]</returns>
    public static string GatherRows(OnnxGraphBuilder g, string source, string indices, string name = "gather")
    {
        ArgumentNullException.ThrowIfNull(g);
        var expanded = OnnxOps.Unsqueeze(g, indices, [-1], name + "_index");                             // [B, k, 1]
        return g.AddNode("GatherND", [source, expanded], name, Attr.Int("batch_dims", 1));
    }
}
