// Stage outputs the inference graph does not compute itself (OnnxGraphBuilder.StageOutputs): the official forward's
// auxiliary predictions and bookkeeping tensors (shared/golden/official/README.md, "stages.safetensors"), emitted only
// in stage mode with the same formulas as DiMaskDinoModel's traced forward, so a test can compare the exported graph
// with the official one stage by stage. In normal mode every method returns without adding anything.

using DiMaskDino.Model.Common;
using DiMaskDino.Model.DeImbalance;
using TorchSharp.Modules;

namespace DiMaskDino.Model.Export;

/// <summary>Stage-mode-only nodes, one method per place in the emitters that records more than one stage.</summary>
public static class StageEmitters
{
    /// <summary>The selected scores: <paramref name="scores"/> [B, N] at <paramref name="indices"/> [B, k] → [B, k] (TopK's values).</summary>
    public static string Gathered(OnnxGraphBuilder g, string scores, string indices, string name)
    {
        ArgumentNullException.ThrowIfNull(g);
        return g.AddNode("GatherElements", [scores, indices], name, Attr.Int("axis", 1));
    }

    /// <summary><c>enc.spatial_shapes</c> [L, 2] and <c>enc.level_start_index</c> [L] (int64) of the decoder-order levels.</summary>
    public static void LevelLayout(OnnxGraphBuilder g, LevelGeometry levels, string name = "stage_levels")
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(levels);
        if (!g.StageOutputs)
        {
            return;
        }

        var sizes = OnnxOps.Concat(g, [.. Enumerable.Range(0, levels.Count).SelectMany(l => new[] { levels.Height(l), levels.Width(l) })], 0, name + "_sizes");
        g.StageInt64("enc.spatial_shapes", OnnxOps.Reshape(g, sizes, [levels.Count, 2], name + "_shapes"));
        var axis = g.AddInt64Constant(name + "_axis", [0], []);
        g.StageInt64("enc.level_start_index", g.AddNode("CumSum", [levels.SplitSizes, axis], name + "_starts", Attr.Int("exclusive", 1)));
    }

    /// <summary>
    /// <c>interm.pred_boxes</c>: σ(bbox_embed(T_s1) + proposal logit[idx1]) (§4.2: plain log-odds of the anchor boxes,
    /// +∞ for invalid ones), as DiMaskDinoModel.Infer traces it.
    /// </summary>
    /// <param name="positions">the decoder-order positions (anchor centres and validity)</param>
    /// <param name="tokens">[B, K1, d] the first-selected encoder tokens</param>
    /// <param name="indices">[B, K1] int64 indices into the S memory tokens</param>
    public static void IntermBoxes(
        OnnxGraphBuilder g, SharedHeadEmitter heads, PositionEmitters positions, int levelCount, string tokens, string indices, string name = "stage_interm")
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(heads);
        ArgumentNullException.ThrowIfNull(positions);
        if (!g.StageOutputs)
        {
            return;
        }

        var logits = EncoderBoxEmitter.Logits(g, heads, positions, levelCount, tokens, indices, name);
        g.Stage("interm.pred_boxes", g.AddNode("Sigmoid", [logits], name + "_boxes"));
    }

    /// <summary>
    /// After TI layer <paramref name="t"/>: <c>di.ti{t}.hidden</c> = LN_ti(X_t), <c>.boxes</c> = R_t and the aux
    /// predictions class_embed(LN_dec(LN_ti(X_t))), σ(ti_box(LN_ti(X_t)) + logit(R_t)) (DeImbalanceModule.AuxOutput).
    /// </summary>
    /// <param name="x">[B, K1, d] X_t</param>
    /// <param name="boxes">[B, K1, 4] R_t, the reference refined by layer t</param>
    public static void TokenInteraction(
        OnnxGraphBuilder g, DeImbalanceModule di, SharedHeadEmitter heads, string x, string boxes, int t, string name = "stage_ti")
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(heads);
        if (!g.StageOutputs)
        {
            return;
        }

        string layer = $"{name}{t}";
        var hidden = LayerEmitters.LayerNorm(g, x, ModuleTree.Child<LayerNorm>(di, "ti_norm"), layer + "_norm");
        g.Stage($"di.ti{t}.hidden", hidden);
        g.Stage($"di.ti{t}.boxes", boxes);
        g.Stage($"di.ti{t}.pred_logits", heads.ClassLogits(g, heads.Normalize(g, hidden, layer + "_dec_norm"), layer + "_logits"));
        var delta = LayerEmitters.Mlp(g, hidden, ModuleTree.Child<Mlp>(di, "ti_box"), layer + "_box");
        g.Stage($"di.ti{t}.pred_boxes", g.AddNode("Sigmoid", [OnnxOps.Add(g, delta, BoxEmitters.InverseSigmoid(g, boxes, layer + "_logit"), layer + "_sum")], layer + "_boxes"));
    }

    /// <summary>
    /// After decoder layer <paramref name="layer"/>: <c>decoder.hidden{l}</c> = LN_dec(X_l) and, for every layer but
    /// the last (whose predictions are the graph's outputs), class_embed(LN_dec(hs_l)) and σ(bbox_embed(hs_l) +
    /// logit(R_l)) on the reference that entered the layer (DecoderPredictions.Layer).
    /// </summary>
    public static void DecoderLayer(
        OnnxGraphBuilder g, SharedHeadEmitter heads, string x, string referenceIn, int layer, int layerCount, string name = "stage_dec")
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(heads);
        if (!g.StageOutputs)
        {
            return;
        }

        string prefix = $"{name}{layer}";
        var hidden = heads.Normalize(g, x, prefix + "_hs");
        g.Stage($"decoder.hidden{layer}", hidden);
        if (layer < layerCount - 1)
        {
            g.Stage($"decoder.layer{layer}.pred_logits", heads.ClassLogits(g, heads.Normalize(g, hidden, prefix + "_z"), prefix + "_logits"));
            g.Stage($"decoder.layer{layer}.pred_boxes", heads.RefineBoxes(g, hidden, referenceIn, prefix + "_boxes"));
        }
    }
}
