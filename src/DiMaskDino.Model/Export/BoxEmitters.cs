// ONNX emitters for the box helpers the decoder side needs (model.md §0 logit, §7.1 SineBox, §13.2 "logit / sigmoid"
// and "box sine embedding"), mirroring Common/BoxMath.InverseSigmoid and Common/SineEmbedding.Box.

using DiMaskDino.Model.Common;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Export;

/// <summary>Clamped logit and SineBox as plain ops (Clip, Sub, Div, Log; Mul, Div, Sin, Cos, Where, Concat).</summary>
public static class BoxEmitters
{
    private const double Temperature = 10000;

    /// <summary>logit(x) = ln(max(x', 1e-5) / max(1 − x', 1e-5)), x' = clamp(x, 0, 1) (§0), elementwise.</summary>
    public static string InverseSigmoid(OnnxGraphBuilder g, string x, string name = "logit")
    {
        ArgumentNullException.ThrowIfNull(g);
        var zero = g.AddFloatConstant(name + "_zero", [0f], []);
        var one = g.AddFloatConstant(name + "_one", [1f], []);
        var epsilon = g.AddFloatConstant(name + "_eps", [(float)BoxMath.LogitEpsilon], []);
        var clamped = g.AddNode("Clip", [x, zero, one], name + "_clamped");
        var numerator = g.AddNode("Clip", [clamped, epsilon, ""], name + "_num");
        var denominator = g.AddNode("Clip", [OnnxOps.Sub(g, one, clamped, name + "_complement"), epsilon, ""], name + "_den");
        return g.AddNode("Log", [OnnxOps.Div(g, numerator, denominator, name + "_ratio")], name);
    }

    /// <summary>SineBox (§7.1): per coordinate v·2π/τ_k (F = d/2), sin at even k, cos at odd k, order [cy, cx, w, h].</summary>
    /// <param name="boxes">[..., 4] (cx, cy, w, h)</param>
    /// <param name="d">hidden width; the result has 2d channels</param>
    /// <returns>[..., 2d]</returns>
    public static string SineBox(OnnxGraphBuilder g, string boxes, int d, string name = "sinebox")
    {
        ArgumentNullException.ThrowIfNull(g);
        int f = d / 2;
        string tauName;
        using (var scope = NewDisposeScope())
        {
            // τ_k computed with the same float32 expression as SineEmbedding (bit-identical constants).
            var k = arange(f, dtype: float32);
            tauName = g.AddFloatConstant(name + "_tau", pow(Temperature, 2 * k.floor_divide(2) / f));  // [F]
        }

        var even = g.AddBoolConstant(name + "_even", [.. Enumerable.Range(0, f).Select(k => k % 2 == 0)], f);
        var scaled = OnnxOps.Scale(g, boxes, (float)(2 * Math.PI), name + "_scaled");                 // [..., 4]

        var parts = new string[4];
        int[] order = [1, 0, 2, 3];
        for (var i = 0; i < order.Length; i++)
        {
            string part = $"{name}_c{order[i]}";
            var coordinate = OnnxOps.Slice(g, scaled, -1, order[i], order[i] + 1, part);              // [..., 1]
            var angles = OnnxOps.Div(g, coordinate, tauName, part + "_angles");                        // [..., F]
            parts[i] = g.AddNode(
                "Where", [even, g.AddNode("Sin", [angles], part + "_sin"), g.AddNode("Cos", [angles], part + "_cos")], part + "_embed");
        }

        return OnnxOps.Concat(g, parts, -1, name);                                                     // [..., 2d]
    }
}
