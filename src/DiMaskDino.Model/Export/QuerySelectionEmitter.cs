// ONNX emitter for the inference query selection (model.md §4.1 decoder-order memory, §4.2 proposal validity,
// §4.3 encoder-output head, §4.4 first selection, §4.5 interm masks, §4.6 mask2box, §5.2–5.4 DI or §5.6 the plain
// path; §13.3), mirroring DiMaskDinoModel.Infer up to the decoder's inputs.

using DiMaskDino.Model.Common;
using DiMaskDino.Model.DeImbalance;
using DiMaskDino.Model.Query;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Export;

/// <summary>Tensor names of the decoder inputs in an exported graph.</summary>
/// <param name="Memory">[B, S, d] decoder order (unmasked)</param>
/// <param name="Content">[B, Q, d] query content</param>
/// <param name="ReferenceLogits">[B, Q, 4] logit of the reference boxes</param>
/// <param name="Levels">decoder-order level sizes [s64, s32, s16, s8]</param>
/// <param name="Positions">the size-dependent position tensors, levels in decoder order</param>
public sealed record QuerySelectionGraph(string Memory, string Content, string ReferenceLogits, LevelGeometry Levels, PositionEmitters Positions);

/// <summary>Emits memory → encoder head → first selection → mask2box → DI (or plain).</summary>
public static class QuerySelectionEmitter
{
    /// <param name="heads">the shared heads, already stored in <paramref name="g"/></param>
    /// <param name="pixels">pixel decoder outputs: maps [E8, E16, E32, E64] and mask features [B, d, H/4, W/4]</param>
    /// <returns>decoder-order memory [B, S, d], content [B, Q, d] and reference logits [B, Q, 4]</returns>
    public static QuerySelectionGraph Emit(
        OnnxGraphBuilder g, DiMaskDinoModel model, SharedHeadEmitter heads, PixelDecoderGraphOutputs pixels, string name = "select")
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(heads);
        ArgumentNullException.ThrowIfNull(pixels);
        var options = model.Options;
        long d = options.HiddenDim;
        var levels = pixels.Levels.Reversed();                                                          // [s64, s32, s16, s8]
        var positions = pixels.Positions.Reversed();
        int k1 = options.FirstSelectionCount;
        if (levels.Known is { } known && known.TotalTokens < k1)
        {
            throw new ArgumentException($"the first selection needs S >= K1: S = {known.TotalTokens}, K1 = {k1}; export a larger size");
        }

        // §4.1: flatten E64, E32, E16, E8 in this order: the encoder memory's level chunks, reversed.
        var memory = OnnxOps.Concat(g, [.. pixels.LevelTokens.Reverse()], 1, name + "_memory");        // [B, S, d]
        StageEmitters.LevelLayout(g, levels);

        // §4.2: invalid anchors zero the memory.
        var masked = g.AddNode(
            "Where", [positions.InvalidProposals(), g.AddFloatConstant(name + "_zero", [0f], []), memory], name + "_masked"); // [B, S, d]

        // §4.3 encoder-output head, §4.4 first selection.
        var encoded = LayerEmitters.Linear(g, masked, ModuleTree.Child<Linear>(model.EncoderHead, "enc_output"), name + "_enc_output");
        encoded = LayerEmitters.LayerNorm(g, encoded, ModuleTree.Child<LayerNorm>(model.EncoderHead, "enc_output_norm"), name + "_enc_norm");
        var score = SelectionEmitters.ClassMax(g, heads.ClassLogits(g, encoded, name + "_enc_class"), name + "_score1"); // [B, S]
        var indices = SelectionEmitters.TopKIndices(g, score, k1, name + "_top1");                      // [B, K1]
        var tokensK1 = SelectionEmitters.GatherRows(g, encoded, indices, name + "_tokens1");            // [B, K1, d]
        g.Stage("enc.token_scores", score);
        g.StageInt64("enc.topk_indices", indices);
        g.Stage("enc.topk_scores", () => StageEmitters.Gathered(g, score, indices, "stage_enc_topk_scores"));
        g.Stage("interm.pred_logits", () => heads.ClassLogits(g, heads.Normalize(g, tokensK1, "stage_interm_norm"), "stage_interm_logits"));
        StageEmitters.IntermBoxes(g, heads, positions, levels.Count, tokensK1, indices);

        // §4.5 interm masks, §4.6 refs₁ by the configured box initialisation.
        var embedding = heads.MaskEmbedding(g, heads.Normalize(g, tokensK1, name + "_interm_ln"), name + "_interm_embed");
        var masks = SharedHeadEmitter.MaskLogits(g, embedding, pixels.MaskFeatures, options.HiddenDim, k1, name + "_interm_masks");
        var references = ReferenceInitializationEmitter.Logits(
            g, options.BoxInitialization, masks,
            () => EncoderBoxEmitter.Logits(g, heads, positions, levels.Count, tokensK1, indices, name + "_encoder_boxes"), name); // [B, K1, 4]
        g.Stage("interm.pred_masks", masks);
        g.Stage("di.input_reference_logits", references);

        if (model.DeImbalance is null)
        {
            return new QuerySelectionGraph(memory, tokensK1, references, levels, positions);
        }

        var (content, referenceLogits) = EmitDeImbalance(g, model.DeImbalance, heads, tokensK1, references, (int)d, options.Heads, name + "_di");
        return new QuerySelectionGraph(memory, content, referenceLogits, levels, positions);
    }

    /// <summary>
    /// MaskToBox.Boxes: tight box of the mask &gt; 0 pixels (no +1), normalised by (w, h); empty → huge. The extremes
    /// come from the occupied columns and rows (max logit over the other axis &gt; 0), the same integers as over all
    /// pixels, with one pass over the masks per axis.
    /// </summary>
    /// <param name="masks">[B, N, h, w]</param>
    /// <returns>[B, N, 4] (cx, cy, w, h)</returns>
    public static string MaskToBoxes(OnnxGraphBuilder g, string masks, string name = "mask2box")
    {
        ArgumentNullException.ThrowIfNull(g);
        var (xMin, xMax, w) = OccupiedExtremes(g, masks, 2, 3, name + "_x");
        var (yMin, yMax, h) = OccupiedExtremes(g, masks, 3, 2, name + "_y");
        g.Stage("interm.mask2box_xyxy", () => OnnxOps.Concat(g, [xMin, yMin, xMax, yMax], -1, name + "_xyxy"));
        return NormalisedBoxes(g, xMin, yMin, xMax, yMax, w, h, name);
    }

    /// <summary>
    /// Along one mask axis: the lowest and highest index of the occupied lines (max logit over
    /// <paramref name="reducedAxis"/> &gt; 0), [B, N, 1] each (min 1e8, max 0 when none is), and that axis's size as float [1].
    /// </summary>
    /// <param name="masks">[B, N, h, w]</param>
    internal static (string Min, string Max, string Size) OccupiedExtremes(OnnxGraphBuilder g, string masks, long reducedAxis, long keptAxis, string name)
    {
        var zero = g.AddFloatConstant(name + "_zero", [0f], []);
        var fill = g.AddFloatConstant(name + "_fill", [MaskToBox.EmptyFill], []);
        var shape = OnnxOps.Shape(g, masks, name + "_shape");
        var peak = g.AddNode("ReduceMax", [masks], $"{name}_peak", Attr.Ints("axes", reducedAxis), Attr.Int("keepdims", 0)); // [B, N, n]
        var isSet = g.AddNode("Greater", [peak, zero], $"{name}_isset");
        var occupied = g.AddNode("Cast", [isSet], $"{name}_occupied", Attr.Int("to", (long)Onnx.TensorProto.Types.DataType.Float));
        var size = OnnxOps.Slice(g, shape, 0, keptAxis, keptAxis + 1, $"{name}_size");                                           // int64 [1]
        var limit = OnnxOps.Reshape(g, size, [], $"{name}_limit");
        var indices = g.AddNode(
            "Cast",
            [g.AddNode("Range", [g.AddInt64Constant($"{name}_start", [0], []), limit, g.AddInt64Constant($"{name}_delta", [1], [])], $"{name}_range")],
            $"{name}_indices", Attr.Int("to", (long)Onnx.TensorProto.Types.DataType.Float));                                    // [n]
        var weighted = OnnxOps.Mul(g, occupied, indices, $"{name}_weighted");
        string Reduce(string op, string x, string n) => g.AddNode(op, [x], n, Attr.Ints("axes", -1), Attr.Int("keepdims", 1)); // [B, N, 1]
        var max = Reduce("ReduceMax", weighted, $"{name}max");
        var min = Reduce("ReduceMin", g.AddNode("Where", [isSet, weighted, fill], $"{name}fill"), $"{name}min");
        var asFloat = g.AddNode("Cast", [size], $"{name}_n", Attr.Int("to", (long)Onnx.TensorProto.Types.DataType.Float));
        return (min, max, asFloat);
    }

    /// <summary>xyxy in stride-4 pixels ([B, N, 1] each) → [B, N, 4] cxcywh normalised by (w, h), as MaskToBox's Normalise.</summary>
    internal static string NormalisedBoxes(OnnxGraphBuilder g, string xMin, string yMin, string xMax, string yMax, string w, string h, string name)
    {
        var two = g.AddFloatConstant(name + "_two", [2f], []);
        var cx = OnnxOps.Div(g, OnnxOps.Div(g, OnnxOps.Add(g, xMin, xMax, name + "_xs"), two, name + "_xc"), w, name + "_cx");
        var cy = OnnxOps.Div(g, OnnxOps.Div(g, OnnxOps.Add(g, yMin, yMax, name + "_ys"), two, name + "_yc"), h, name + "_cy");
        var bw = OnnxOps.Div(g, OnnxOps.Sub(g, xMax, xMin, name + "_xd"), w, name + "_bw");
        var bh = OnnxOps.Div(g, OnnxOps.Sub(g, yMax, yMin, name + "_yd"), h, name + "_bh");
        return OnnxOps.Concat(g, [cx, cy, bw, bh], -1, name);                                              // [B, N, 4]
    }

    /// <summary>DI (§5.3–5.4) at inference: TI layers with box refinement, then the top-Q second selection.</summary>
    private static (string Content, string ReferenceLogits) EmitDeImbalance(
        OnnxGraphBuilder g, DeImbalanceModule di, SharedHeadEmitter heads, string content, string referenceLogits,
        int d, int attentionHeads, string name)
    {
        var positionHead = ModuleTree.Child<Mlp>(di, "ti_pos_head");
        var boxHead = ModuleTree.Child<Mlp>(di, "ti_box");
        var x = content;
        var boxes = g.AddNode("Sigmoid", [referenceLogits], name + "_boxes0");                          // [B, K1, 4] R
        var layers = di.Layers;
        for (var t = 0; t < layers.Count; t++)
        {
            string layer = $"{name}_ti{t}";
            var position = LayerEmitters.Mlp(g, BoxEmitters.SineBox(g, boxes, d, layer + "_sine"), positionHead, layer + "_pos"); // [B, K1, d]
            x = EmitTokenInteraction(g, layers[t], x, position, attentionHeads, layer);                // [B, K1, d]
            var delta = LayerEmitters.Mlp(g, x, boxHead, layer + "_box");
            boxes = g.AddNode("Sigmoid", [OnnxOps.Add(g, delta, BoxEmitters.InverseSigmoid(g, boxes, layer + "_logit"), layer + "_sum")], layer + "_refined");
            StageEmitters.TokenInteraction(g, di, heads, x, boxes, t);
        }

        var normalised = LayerEmitters.LayerNorm(g, x, ModuleTree.Child<LayerNorm>(di, "ti_norm"), name + "_norm");
        var score = SelectionEmitters.ClassMax(g, heads.ClassLogits(g, normalised, name + "_class"), name + "_score2"); // [B, K1]
        var indices = SelectionEmitters.TopKIndices(g, score, di.NumQueries, name + "_top2");           // [B, Q]
        var selected = SelectionEmitters.GatherRows(g, x, indices, name + "_content");                  // [B, Q, d]
        var selectedBoxes = SelectionEmitters.GatherRows(g, boxes, indices, name + "_gboxes");          // [B, Q, 4]
        g.StageInt64("di.select_indices", indices);
        g.Stage("di.select_scores", () => StageEmitters.Gathered(g, score, indices, "stage_di_select_scores"));
        g.Stage("di.query_content", selected);
        g.Stage("di.query_boxes", selectedBoxes);
        return (selected, BoxEmitters.InverseSigmoid(g, selectedBoxes, name + "_refs"));
    }

    /// <summary>TokenInteractionLayer: post-norm self-attention (q = k = X + P, v = X), post-norm FFN.</summary>
    private static string EmitTokenInteraction(OnnxGraphBuilder g, TokenInteractionLayer layer, string x, string position, int heads, string name)
    {
        var qk = OnnxOps.Add(g, x, position, name + "_qk");
        var attended = AttentionEmitters.MultiHeadAttention(
            g, qk, qk, x, ModuleTree.Child<Attention.MultiHeadAttention>(layer, "self_attn"), heads, null, name + "_sa");
        var y = LayerEmitters.LayerNorm(g, OnnxOps.Add(g, x, attended, name + "_res1"), ModuleTree.Child<LayerNorm>(layer, "norm1"), name + "_norm1");
        return FeedForward(g, y, layer, "linear1", "linear2", "norm2", name);
    }

    /// <summary>norm(x + linear2(relu(linear1(x)))) with the named children of <paramref name="owner"/>.</summary>
    public static string FeedForward(OnnxGraphBuilder g, string x, nn.Module owner, string first, string second, string norm, string name)
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(owner);
        var hidden = OnnxOps.Relu(g, LayerEmitters.Linear(g, x, ModuleTree.Child<Linear>(owner, first), name + "_" + first), name + "_relu");
        var ffn = LayerEmitters.Linear(g, hidden, ModuleTree.Child<Linear>(owner, second), name + "_" + second);
        return LayerEmitters.LayerNorm(g, OnnxOps.Add(g, x, ffn, name + "_res2"), ModuleTree.Child<LayerNorm>(owner, norm), name + "_" + norm);
    }
}
