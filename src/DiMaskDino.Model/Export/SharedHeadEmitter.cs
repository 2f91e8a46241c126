// The shared prediction heads (model.md §7.4: class_embed, bbox_embed, mask_embed, decoder_norm = LN_dec) stored
// once in an exported graph and applied wherever the inference path uses them (§4.4 scores, §4.5 interm masks,
// §5.4 second selection, §6.3 BATO guiding tokens, §7.3 refinement, §7.4 last-layer heads; §13.3).

using DiMaskDino.Model.Common;
using DiMaskDino.Model.Heads;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Export;

/// <summary>Initializer names of one Linear: Wᵀ [in, out] and the bias [out] (or null).</summary>
public sealed record LinearWeightNames(string TransposedWeight, string? Bias);

/// <summary>Emits the shared heads' weights once; every Apply method adds only the compute nodes.</summary>
public sealed class SharedHeadEmitter
{
    private readonly LinearWeightNames _class;
    private readonly LinearWeightNames[] _box;
    private readonly LinearWeightNames[] _mask;
    private readonly (string Weight, string Bias, float Epsilon) _norm;

    public SharedHeadEmitter(OnnxGraphBuilder g, PredictionHeads heads, string name = "heads")
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(heads);
        _class = Store(g, ModuleTree.Child<Linear>(heads, "class_embed"), name + "_class");
        _box = StoreMlp(g, heads.BoxEmbed, name + "_bbox");
        _mask = StoreMlp(g, ModuleTree.Child<Mlp>(heads, "mask_embed"), name + "_mask");
        var norm = ModuleTree.Child<LayerNorm>(heads, "decoder_norm");
        _norm = (g.AddWeight(name + "_norm_weight", norm.weight!), g.AddWeight(name + "_norm_bias", norm.bias!), (float)norm.eps);
    }

    /// <summary>Stores a Linear's weights (Wᵀ, bias) as initializers.</summary>
    public static LinearWeightNames Store(OnnxGraphBuilder g, Linear linear, string name)
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(linear);
        using var transposed = linear.weight!.detach().t();
        return new LinearWeightNames(g.AddWeight(name + "_weight", transposed, channelAxis: 1), linear.bias is null ? null : g.AddWeight(name + "_bias", linear.bias));
    }

    /// <summary>y = x·Wᵀ + b with stored weights.</summary>
    public static string Apply(OnnxGraphBuilder g, string x, LinearWeightNames weights, string name)
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(weights);
        var y = OnnxOps.MatMul(g, x, weights.TransposedWeight, name + "_matmul");
        return weights.Bias is null ? y : OnnxOps.Add(g, y, weights.Bias, name);
    }

    /// <summary>LN_dec. <paramref name="x"/> [..., d] → [..., d]</summary>
    public string Normalize(OnnxGraphBuilder g, string x, string name) =>
        g.AddNode("LayerNormalization", [x, _norm.Weight, _norm.Bias], name, Attr.Int("axis", -1), Attr.Float("epsilon", _norm.Epsilon));

    /// <summary>class_embed. [..., d] → [..., C]</summary>
    public string ClassLogits(OnnxGraphBuilder g, string x, string name) => Apply(g, x, _class, name);

    /// <summary>bbox_embed (MLP_3). [..., d] → [..., 4]</summary>
    public string BoxDelta(OnnxGraphBuilder g, string x, string name) => ApplyMlp(g, x, _box, name);

    /// <summary>mask_embed (MLP_3). [..., d] → [..., c]</summary>
    public string MaskEmbedding(OnnxGraphBuilder g, string x, string name) => ApplyMlp(g, x, _mask, name);

    /// <summary>σ(bbox_embed(x) + logit(R)) (§7.3). x [B, N, d], R [B, N, 4] → [B, N, 4]</summary>
    public string RefineBoxes(OnnxGraphBuilder g, string x, string referenceBoxes, string name) =>
        g.AddNode("Sigmoid", [OnnxOps.Add(g, BoxDelta(g, x, name + "_delta"), BoxEmitters.InverseSigmoid(g, referenceBoxes, name + "_logit"), name + "_sum")], name);

    /// <summary>PredictionHeads.MaskLogits: embedding [B, N, c] · mask features [B, c, h, w] → [B, N, h, w] (h, w read at run time).</summary>
    public static string MaskLogits(OnnxGraphBuilder g, string embedding, string maskFeatures, long channels, long tokens, string name)
    {
        ArgumentNullException.ThrowIfNull(g);
        var flat = OnnxOps.Reshape(g, maskFeatures, [0, channels, -1], name + "_flat");                // [B, c, h·w]
        var product = OnnxOps.MatMul(g, embedding, flat, name + "_matmul");                             // [B, N, h·w]
        var size = OnnxOps.Slice(g, OnnxOps.Shape(g, maskFeatures, name + "_features_shape"), 0, 2, 4, name + "_size"); // [h, w]
        return g.AddNode("Reshape", [product, LevelGeometry.ShapeOf(g, name + "_shape", 0L, tokens, size)], name); // [B, N, h, w]
    }

    /// <summary>Stores every Linear of an MLP.</summary>
    public static LinearWeightNames[] StoreMlp(OnnxGraphBuilder g, Mlp mlp, string name)
    {
        ArgumentNullException.ThrowIfNull(mlp);
        return [.. Enumerable.Range(0, mlp.NumLayers).Select(i => Store(g, mlp.Layer(i), $"{name}_{i}"))];
    }

    /// <summary>MLP_k with stored weights: ReLU between layers, none after the last.</summary>
    public static string ApplyMlp(OnnxGraphBuilder g, string x, IReadOnlyList<LinearWeightNames> layers, string name)
    {
        ArgumentNullException.ThrowIfNull(layers);
        var y = x;
        for (var i = 0; i < layers.Count; i++)
        {
            y = Apply(g, y, layers[i], $"{name}_{i}");
            if (i < layers.Count - 1)
            {
                y = OnnxOps.Relu(g, y, $"{name}_{i}_relu");
            }
        }

        return y;
    }
}
