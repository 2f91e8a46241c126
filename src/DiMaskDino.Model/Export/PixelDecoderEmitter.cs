// ONNX emitter for the pixel decoder (model.md §3, §13.1–13.2): input projections (Conv → GroupNorm), flattening, the
// deformable encoder layers (MSDA via GridSample, post-norm FFN), the split back into maps and the FPN fusion into
// mask features. Sine positions plus level embeddings and the reference points are computed in the graph from the
// level sizes (PositionEmitters), so the same nodes serve a fixed-size and a size-dynamic graph.

using DiMaskDino.Model.Common;
using DiMaskDino.Model.PixelDecoder;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Export;

/// <summary>Tensor names of the pixel decoder outputs in an exported graph, with the level sizes.</summary>
/// <param name="Maps">[E8, E16, E32, (E64)] ([B, d, H_l, W_l], by increasing stride)</param>
/// <param name="MaskFeatures">[B, d, H/4, W/4]</param>
/// <param name="Memory">memory_enc [B, S, d] (encoder order)</param>
/// <param name="LevelTokens">memory_enc split by level: [B, H_l·W_l, d] each (encoder order)</param>
/// <param name="Sizes">input, stride-4 and level sizes (all four strides, by increasing stride)</param>
/// <param name="Levels">the attention levels' sizes in encoder order (the configured count and feature order)</param>
/// <param name="Positions">the size-dependent position tensors, levels in encoder order</param>
public sealed record PixelDecoderGraphOutputs(
    IReadOnlyList<string> Maps, string MaskFeatures, string Memory, IReadOnlyList<string> LevelTokens, GraphSizes Sizes, LevelGeometry Levels,
    PositionEmitters Positions);

/// <summary>Emits <see cref="MaskDinoPixelDecoder"/>.</summary>
public static class PixelDecoderEmitter
{
    /// <param name="backbone">res2..res5 tensor names</param>
    /// <param name="sizes">the graph's sizes: stride 4 and the levels [s8, s16, s32, s64] (the decoder takes its count and order)</param>
    public static PixelDecoderGraphOutputs Emit(
        OnnxGraphBuilder g, BackboneGraphOutputs backbone, MaskDinoPixelDecoder decoder, GraphSizes sizes, string name = "pixdec")
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(backbone);
        ArgumentNullException.ThrowIfNull(decoder);
        ArgumentNullException.ThrowIfNull(sizes);
        var order = decoder.EncoderOrder;                                                              // stride indices in encoder order
        var levels = sizes.Levels.Select(order);
        long d = decoder.Dim;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();

        var projections = ModuleTree.Child<ModuleList<Sequential>>(decoder, "input_proj");
        string[] sources = [backbone.Res3, backbone.Res4, backbone.Res5, backbone.Res5];
        var flattened = new string[levels.Count];                                                        // by increasing stride
        for (var l = 0; l < levels.Count; l++)
        {
            string level = $"{name}_proj{l}";
            var projection = projections[decoder.ProjectionIndex(l)];
            var projected = LayerEmitters.Conv2d(g, sources[l], ModuleTree.Child<Conv2d>(projection, "0"), level + "_conv");
            projected = LayerEmitters.GroupNorm(g, projected, ModuleTree.Child<GroupNorm>(projection, "1"), level + "_gn"); // [B, d, H_l, W_l]
            var tokens = OnnxOps.Reshape(g, projected, [0, d, -1], level + "_flat");                   // [B, d, H_l·W_l]
            flattened[l] = OnnxOps.Transpose(g, tokens, [0, 2, 1], level + "_tokens");                 // [B, H_l·W_l, d]
        }

        var source = OnnxOps.Concat(g, [.. order.Select(l => flattened[l])], 1, name + "_source");      // [B, S, d] encoder order

        var positions = new PositionEmitters(g, levels, (int)d, name + "_positions");
        var levelEmbedding = decoder.LevelEmbedding.detach();                                            // [L, d]
        var position = OnnxOps.Unsqueeze(
            g,
            OnnxOps.Concat(
                g,
                [.. Enumerable.Range(0, levels.Count).Select(l =>
                    OnnxOps.Add(g, positions.SineMap(l), g.AddFloatConstant($"{name}_level_embed{l}", levelEmbedding[l]), $"{name}_position{l}"))],
                0, name + "_position_all"),
            [0], name + "_position");                                                                   // [1, S, d]
        var reference = positions.EncoderReferencePoints();                                             // [1, S, L, 2]

        var memory = source;
        for (var i = 0; i < decoder.Encoder.NumLayers; i++)
        {
            memory = EncoderLayer(g, memory, position, reference, decoder.Encoder.Layer(i), levels, $"{name}_enc{i}");
        }

        var perLevel = g.AddNode("Split", [memory, levels.SplitSizes], [.. Enumerable.Range(0, levels.Count).Select(l => $"{name}_map{l}_tokens")], Attr.Int("axis", 1));
        var maps = new string[levels.Count];                                                             // by increasing stride
        for (var l = 0; l < levels.Count; l++)
        {
            string level = $"{name}_map{l}";
            var channels = OnnxOps.Transpose(g, perLevel[l], [0, 2, 1], level + "_channels");             // [B, d, H_l·W_l]
            maps[order[l]] = g.AddNode("Reshape", [channels, levels.Shape(level + "_shape", 0L, d, levels.Height(l), levels.Width(l))], level); // [B, d, H_l, W_l]
            g.Stage($"pixel_decoder.s{8 << order[l]}", maps[order[l]]);
        }

        var lateral = LayerEmitters.NormConv2d(g, backbone.Res2, ModuleTree.Child<NormConv2d>(decoder, "adapter_1"), relu: false, name + "_lateral");
        var upsampled = InterpolationEmitters.ResizeBilinear(g, maps[0], sizes.Res2.Height, sizes.Res2.Width, name: name + "_upsample");
        var fused = LayerEmitters.NormConv2d(
            g, OnnxOps.Add(g, lateral, upsampled, name + "_fpn_sum"), ModuleTree.Child<NormConv2d>(decoder, "layer_1"), relu: true, name + "_fpn");
        var maskFeatures = LayerEmitters.Conv2d(g, fused, ModuleTree.Child<Conv2d>(decoder, "mask_features"), name + "_mask_features");
        g.Stage("pixel_decoder.mask_features", maskFeatures);
        return new PixelDecoderGraphOutputs(maps, maskFeatures, memory, perLevel, sizes, levels, positions);
    }

    /// <summary>One post-norm encoder layer (§3.5).</summary>
    /// <param name="source">[B, S, d]</param>
    /// <param name="position">[1 or B, S, d]</param>
    /// <param name="reference">[1 or B, S, N_l, 2]</param>
    /// <returns>[B, S, d]</returns>
    public static string EncoderLayer(
        OnnxGraphBuilder g, string source, string position, string reference, DeformableEncoderLayer layer, LevelGeometry levels,
        string name = "enclayer")
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(levels);
        var query = OnnxOps.Add(g, source, position, name + "_query");
        var attended = AttentionEmitters.MultiScaleDeformableAttention(
            g, query, reference, 2, source, layer.SelfAttention, levels, name + "_msda");
        var s = LayerEmitters.LayerNorm(g, OnnxOps.Add(g, source, attended, name + "_res1"), ModuleTree.Child<LayerNorm>(layer, "norm1"), name + "_norm1");
        var hidden = OnnxOps.Relu(g, LayerEmitters.Linear(g, s, ModuleTree.Child<Linear>(layer, "linear1"), name + "_linear1"), name + "_ffn_relu");
        var ffn = LayerEmitters.Linear(g, hidden, ModuleTree.Child<Linear>(layer, "linear2"), name + "_linear2");
        return LayerEmitters.LayerNorm(g, OnnxOps.Add(g, s, ffn, name + "_res2"), ModuleTree.Child<LayerNorm>(layer, "norm2"), name + "_norm2");
    }
}
