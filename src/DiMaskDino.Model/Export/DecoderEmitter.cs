// ONNX emitter for the inference decoder (model.md §6.2 loop, §6.3 BATO before layer 1, §6.4 mask features per
// layer, §7.1 positional queries, §7.2 layer, §7.3 refinement, §7.4 last-layer heads with the double LN_dec; §13.3),
// mirroring DeformableDecoder, DecoderLayer, BatoBlock, GuidedFeatureUpdate and DecoderPredictions.Layer.

using DiMaskDino.Model.Bato;
using DiMaskDino.Model.Decoder;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Export;

/// <summary>Tensor names of the last layer's predictions.</summary>
/// <param name="Logits">[B, Q, C]</param>
/// <param name="Boxes">[B, Q, 4] (cx, cy, w, h) in [0, 1]</param>
/// <param name="Masks">[B, Q, H/4, W/4] logits</param>
public sealed record DecoderGraphOutputs(string Logits, string Boxes, string Masks);

/// <summary>Emits the decoder with BATO and the last layer's heads.</summary>
public static class DecoderEmitter
{
    /// <param name="maskFeatures">[B, d, H/4, W/4]</param>
    /// <param name="maskSize">(H/4, W/4), int64 [1] each</param>
    public static DecoderGraphOutputs Emit(
        OnnxGraphBuilder g, DiMaskDinoModel model, SharedHeadEmitter heads, QuerySelectionGraph inputs, string maskFeatures,
        (string Height, string Width) maskSize, string name = "dec")
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(heads);
        ArgumentNullException.ThrowIfNull(inputs);
        var options = model.Options;
        int d = options.HiddenDim;
        long queries = options.NumQueries;
        var decoder = model.Decoder;
        var levels = inputs.Levels;

        var x = inputs.Content;                                                                          // [B, Q, d]
        var reference = g.AddNode("Sigmoid", [inputs.ReferenceLogits], name + "_r0");                   // [B, Q, 4] R_in0
        var memory = inputs.Memory;
        var layerMaskFeatures = maskFeatures;
        var expandLevels = g.AddInt64Constant(name + "_expand_levels", [1, 1, levels.Count, 1]);
        string lastReference = reference;
        g.Stage("decoder.initial.pred_logits", () => heads.ClassLogits(g, heads.Normalize(g, x, "stage_initial_norm"), "stage_initial_logits"));
        g.Stage("decoder.initial.pred_boxes", reference);
        for (var l = 0; l < decoder.NumLayers; l++)
        {
            string layer = $"{name}{l}";
            g.Stage($"decoder.reference{l}", reference);
            var position = LayerEmitters.Mlp(g, BoxEmitters.SineBox(g, reference, d, layer + "_sine"), decoder.RefPointHead, layer + "_pos"); // [B, Q, d]
            if (l == 1 && decoder.Bato is not null)
            {
                (memory, layerMaskFeatures) = EmitBato(g, decoder.Bato, heads, x, position, memory, maskFeatures, inputs, d, queries, options.Heads, maskSize, name + "_bato");
            }

            x = EmitLayer(g, decoder.Layers[l], x, position, reference, memory, levels, options.Heads, expandLevels, layer);
            lastReference = reference;
            StageEmitters.DecoderLayer(g, heads, x, lastReference, l, decoder.NumLayers);
            reference = heads.RefineBoxes(g, x, reference, layer + "_refine");                           // [B, Q, 4]
        }

        g.Stage($"decoder.reference{decoder.NumLayers}", reference);

        // DecoderPredictions.Layer on hs = LN_dec(X): Predict applies LN_dec again; boxes refine the layer's input reference.
        var hidden = heads.Normalize(g, x, name + "_hs");
        var z = heads.Normalize(g, hidden, name + "_z");
        var logits = heads.ClassLogits(g, z, name + "_logits");
        var masks = SharedHeadEmitter.MaskLogits(
            g, heads.MaskEmbedding(g, z, name + "_mask_embed"), layerMaskFeatures, d, queries, name + "_masks");
        var boxes = heads.RefineBoxes(g, hidden, lastReference, name + "_boxes");
        return new DecoderGraphOutputs(logits, boxes, masks);
    }

    /// <summary>DecoderLayer: SA (q = k = X + P) → norm2; MSDA(X + P, R per level, memory) → norm1; FFN → norm3.</summary>
    private static string EmitLayer(
        OnnxGraphBuilder g, DecoderLayer layer, string x, string position, string reference, string memory,
        LevelGeometry levels, int heads, string expandLevels, string name)
    {
        var qk = OnnxOps.Add(g, x, position, name + "_qk");
        var attended = AttentionEmitters.MultiHeadAttention(g, qk, qk, x, layer.SelfAttention, heads, null, name + "_sa");
        var y = LayerEmitters.LayerNorm(g, OnnxOps.Add(g, x, attended, name + "_res0"), ModuleTree.Child<TorchSharp.Modules.LayerNorm>(layer, "norm2"), name + "_norm2");
        var perLevel = g.AddNode("Expand", [OnnxOps.Unsqueeze(g, reference, [2], name + "_ref1"), expandLevels], name + "_refl"); // [B, Q, L, 4]
        var sampled = AttentionEmitters.MultiScaleDeformableAttention(
            g, OnnxOps.Add(g, y, position, name + "_query"), perLevel, 4, memory, layer.CrossAttention, levels, name + "_ca");
        y = LayerEmitters.LayerNorm(g, OnnxOps.Add(g, y, sampled, name + "_res1"), ModuleTree.Child<TorchSharp.Modules.LayerNorm>(layer, "norm1"), name + "_norm1");
        return QuerySelectionEmitter.FeedForward(g, y, layer, "linear1", "linear2", "norm3", name);
    }

    /// <summary>BATO (§6.3): guiding tokens, guided memory update, stride-8 fusion into the mask features.</summary>
    /// <returns>updated memory [B, S, d] and fused mask features [B, d, H/4, W/4]</returns>
    private static (string Memory, string MaskFeatures) EmitBato(
        OnnxGraphBuilder g, BatoBlock bato, SharedHeadEmitter heads, string content, string position, string memory, string maskFeatures,
        QuerySelectionGraph inputs, int d, long queries, int attentionHeads, (string Height, string Width) maskSize, string name)
    {
        if (queries != bato.NumQueries)
        {
            throw new ArgumentException($"BATO was built for Q = {bato.NumQueries}, the decoder has {queries} queries");
        }

        // Without DN the guide is the whole content (the last Q of Q tokens).
        var score = SelectionEmitters.ClassMax(g, heads.ClassLogits(g, content, name + "_class"), name + "_score");  // [B, Q]
        var indices = SelectionEmitters.TopKIndices(g, score, bato.GuidingTokens, name + "_top");                   // [B, G]
        var maskTokens = SelectionEmitters.GatherRows(g, heads.MaskEmbedding(g, content, name + "_embed"), indices, name + "_mask_tokens"); // [B, G, d]
        var boxTokens = SelectionEmitters.GatherRows(g, position, indices, name + "_box_tokens");                 // [B, G, d]
        g.StageInt64("bato.guide_indices", indices);
        g.Stage("bato.guide_scores", () => StageEmitters.Gathered(g, score, indices, "stage_bato_guide_scores"));

        var memoryPosition = inputs.Positions.MemoryPosition();                                                  // [1, S, d]

        var update = bato.Update;
        var query = OnnxOps.Add(g, memory, memoryPosition, name + "_query");
        var key = OnnxOps.Add(g, maskTokens, boxTokens, name + "_key");
        var attended = AttentionEmitters.MultiHeadAttention(
            g, query, key, maskTokens, ModuleTree.Child<Attention.MultiHeadAttention>(update, "cross_attn"), attentionHeads, null, name + "_ca");
        var x = LayerEmitters.LayerNorm(g, OnnxOps.Add(g, memory, attended, name + "_res1"), ModuleTree.Child<TorchSharp.Modules.LayerNorm>(update, "norm1"), name + "_norm1");
        var updated = QuerySelectionEmitter.FeedForward(g, x, update, "linear1", "linear2", "norm2", name);        // [B, S, d]

        var levels = inputs.Levels;
        var last = levels.Count - 1;
        var stride8 = g.AddNode(
            "Slice", [updated, OnnxOps.Sub(g, levels.TotalTokens, levels.Tokens(last), name + "_s8_start"), levels.TotalTokens, g.AddInt64Constant(name + "_s8_axis", [1])],
            name + "_s8");                                                                                          // [B, h·w, d]
        stride8 = g.AddNode(
            "Reshape", [OnnxOps.Transpose(g, stride8, [0, 2, 1], name + "_s8t"), levels.Shape(name + "_s8_shape", 0L, (long)d, levels.Height(last), levels.Width(last))],
            name + "_s8map");                                                                                       // [B, d, h, w]
        var upsampled = InterpolationEmitters.ResizeBilinear(g, stride8, maskSize.Height, maskSize.Width, ResizeCoordinates.HalfPixel, name + "_up");
        // mask_output_conv is built with relu: true (BatoBlock).
        var fused = LayerEmitters.NormConv2d(g, OnnxOps.Add(g, maskFeatures, upsampled, name + "_fuse_in"), bato.FusionConv, relu: true, name + "_fuse");
        g.Stage("bato.mask_features", fused);
        return (updated, fused);
    }
}
