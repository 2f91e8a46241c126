// Entry point of the ONNX export (model.md §13): builds the graph for one fixed, /32-divisible input size, or a
// size-dynamic graph (symbolic height and width, every size computed in the graph), with a dynamic batch. The
// encoder-only graph (images → E8, E16, E32, E64, mask_features) and the full inference graph
// (§13.1, §13.3: images → pred_logits, pred_boxes, pred_masks, the path of DiMaskDinoModel.Infer). The input is
// normalised and padded as DiMaskDinoModel.Preprocess produces (recorded in the metadata).

using System.Globalization;
using DiMaskDino.Contracts.Models;
using DiMaskDino.Model.Common;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Export;

/// <summary>Tensor names of the encoder part of an exported graph.</summary>
public sealed record EncoderGraph(string Images, BackboneGraphOutputs Backbone, PixelDecoderGraphOutputs PixelDecoder);

/// <summary>Exports <see cref="DiMaskDinoModel"/> parts to ONNX opset 17.</summary>
public static class OnnxExporter
{
    public const string ImagesInput = ModelMetadata.ImagesInput;

    /// <summary>Output names of the full inference graph, in order.</summary>
    public static IReadOnlyList<string> InferenceOutputs => ModelMetadata.OutputNames;

    /// <summary>Symbolic input dimensions of a size-dynamic graph (the contract's names).</summary>
    public const string HeightDim = "height";

    /// <inheritdoc cref="HeightDim"/>
    public const string WidthDim = "width";

    /// <summary>
    /// The full inference graph (§13.1): <c>images</c> [batch, 3, H, W] (normalised and padded, as
    /// <see cref="DiMaskDinoModel.Preprocess"/> returns) → <c>pred_logits</c> [batch, Q, C], <c>pred_boxes</c>
    /// [batch, Q, 4], <c>pred_masks</c> [batch, Q, H/4, W/4], equal to <see cref="DiMaskDinoModel.Infer(Tensor)"/>.
    /// </summary>
    /// <param name="height">input height, a multiple of 32; null with <paramref name="width"/> null = size-dynamic
    /// (symbolic "height" and "width", any multiples of 32 large enough for the first selection)</param>
    /// <param name="width">input width, a multiple of 32; null with <paramref name="height"/></param>
    /// <param name="precision">how weights are stored; a lossy one rounds <paramref name="model"/>'s weights in place to
    /// the stored values (<see cref="OnnxGraphBuilder.AddWeight"/>), so the model then computes what the file does</param>
    /// <param name="stageOutputs">also expose every stage of the official forward as an output (<see cref="OnnxGraphBuilder.StageOutputs"/>; tests)</param>
    public static OnnxGraphBuilder Build(
        DiMaskDinoModel model, int? height, int? width, WeightPrecision precision = WeightPrecision.Float32, bool stageOutputs = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var inference = inference_mode();
        var g = new OnnxGraphBuilder("dimaskdino", precision, stageOutputs);
        var encoder = EmitEncoder(g, model, height, width);
        var heads = new SharedHeadEmitter(g, model.Heads);
        var selection = QuerySelectionEmitter.Emit(g, model, heads, encoder.PixelDecoder);
        var outputs = DecoderEmitter.Emit(g, model, heads, selection, encoder.PixelDecoder.MaskFeatures, encoder.PixelDecoder.Sizes.Res2);
        var options = model.Options;
        long q = options.NumQueries;
        g.AddOutput(InferenceOutputs[0], outputs.Logits, OnnxGraphBuilder.BatchDim, q, (long)options.NumClasses);
        g.AddOutput(InferenceOutputs[1], outputs.Boxes, OnnxGraphBuilder.BatchDim, q, 4L);
        g.AddOutput(InferenceOutputs[2], outputs.Masks, OnnxGraphBuilder.BatchDim, q, QuarterDim(height, HeightDim), QuarterDim(width, WidthDim));
        AddMetadata(g, model, height, width, ModelMetadata.Values.InferenceGraph, precision);
        g.AddMetadata(ModelMetadata.Keys.NumQueries, ModelMetadata.Values.Integer(options.NumQueries));
        g.AddMetadata(ModelMetadata.Keys.DeImbalance, ModelMetadata.Values.Flag(options.DeImbalance));
        g.AddMetadata(ModelMetadata.Keys.Bato, ModelMetadata.Values.Flag(options.Bato));
        return g;
    }

    /// <summary>The serialised full inference graph (<see cref="Build"/>).</summary>
    public static byte[] Export(DiMaskDinoModel model, int? height, int? width, WeightPrecision precision) =>
        Build(model, height, width, precision).ToBytes();

    /// <summary><see cref="Build"/> saved to <paramref name="path"/>.</summary>
    public static void Export(DiMaskDinoModel model, int? height, int? width, string path, WeightPrecision precision = WeightPrecision.Float32)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Build(model, height, width, precision).Save(path);
    }

    /// <summary>An input axis as a graph dimension: its size, or the symbolic name when the graph is size-dynamic.</summary>
    private static object InputDim(int? size, string symbol) => size is { } n ? (long)n : symbol;

    /// <summary>A stride-4 axis (mask features, pred_masks): size/4, or the symbol "name/4".</summary>
    private static object QuarterDim(int? size, string symbol) => size is { } n ? (long)(n / 4) : symbol + "/4";

    /// <summary>Output names of the encoder graph, in order.</summary>
    public static IReadOnlyList<string> EncoderOutputs { get; } = ["E8", "E16", "E32", "E64", "mask_features"];

    /// <summary>Input size checks and the level sizes at that size (stride-2 convs round up).</summary>
    /// <returns>res2 size and the encoder levels [s8, s16, s32, s64]</returns>
    public static ((long Height, long Width) Res2, LevelShapes Levels) SizesFor(int height, int width)
    {
        if (height <= 0 || width <= 0 || height % DiMaskDinoModel.SizeDivisibility != 0 || width % DiMaskDinoModel.SizeDivisibility != 0)
        {
            throw new ArgumentException(
                $"the exported input size must be positive multiples of {DiMaskDinoModel.SizeDivisibility}, got {height}×{width}");
        }

        static long Half(long n) => (n + 1) / 2;
        long h = height, w = width;
        var sizes = new List<(long, long)>();
        for (var stride = 2; stride <= 64; stride *= 2)
        {
            h = Half(h);
            w = Half(w);
            if (stride >= 8)
            {
                sizes.Add((h, w));
            }
        }

        return ((height / 4, width / 4), new LevelShapes(sizes));
    }

    /// <summary>Declares input <c>images</c> [batch, 3, H, W] (symbolic H, W when both are null) and emits backbone and pixel decoder.</summary>
    public static EncoderGraph EmitEncoder(OnnxGraphBuilder g, DiMaskDinoModel model, int? height, int? width)
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(model);
        if (height.HasValue != width.HasValue)
        {
            throw new ArgumentException($"give both input height and width, or neither for a size-dynamic graph; got {height?.ToString(CultureInfo.InvariantCulture) ?? "null"}×{width?.ToString(CultureInfo.InvariantCulture) ?? "null"}");
        }

        var images = g.AddInput(ImagesInput, OnnxGraphBuilder.BatchDim, 3L, InputDim(height, HeightDim), InputDim(width, WidthDim));
        var sizes = height is { } fixedHeight && width is { } fixedWidth
            ? GraphSizes.Constant(g, fixedHeight, fixedWidth)
            : GraphSizes.FromInput(g, images);
        var backbone = BackboneEmitter.Emit(g, images, model.Backbone);
        var pixelDecoder = PixelDecoderEmitter.Emit(g, backbone, model.PixelDecoder, sizes);
        return new EncoderGraph(images, backbone, pixelDecoder);
    }

    /// <summary>
    /// The graph <c>images</c> [batch, 3, H, W] (normalised, §1.1) → <c>E8, E16, E32, E64</c> (no E64 with 3 levels) [batch, d, H_l, W_l]
    /// and <c>mask_features</c> [batch, d, H/4, W/4], with self-describing metadata.
    /// </summary>
    /// <param name="precision">how weights are stored (a lossy one rounds the model's weights in place, as in <see cref="Build"/>)</param>
    public static OnnxGraphBuilder BuildEncoder(DiMaskDinoModel model, int? height, int? width, WeightPrecision precision = WeightPrecision.Float32)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var inference = inference_mode();
        var g = new OnnxGraphBuilder("dimaskdino_encoder", precision);
        var graph = EmitEncoder(g, model, height, width);
        long d = model.PixelDecoder.Dim;
        var outputs = graph.PixelDecoder.Maps.Append(graph.PixelDecoder.MaskFeatures).ToArray();
        var names = EncoderOutputs.Take(outputs.Length - 1).Append(EncoderOutputs[^1]).ToArray();           // no E64 with 3 levels
        var known = graph.PixelDecoder.Sizes.Levels.Known;
        object[][] sizes = known is null
            ? [.. Enumerable.Range(0, outputs.Length - 1).Select(l => new object[] { $"level{l}_height", $"level{l}_width" }),
               [QuarterDim(height, HeightDim), QuarterDim(width, WidthDim)]]
            : [.. known.Sizes.Take(outputs.Length - 1).Select(s => new object[] { s.Height, s.Width }), [QuarterDim(height, HeightDim), QuarterDim(width, WidthDim)]];
        for (var i = 0; i < outputs.Length; i++)
        {
            g.AddOutput(names[i], outputs[i], OnnxGraphBuilder.BatchDim, d, sizes[i][0], sizes[i][1]);
        }

        AddMetadata(g, model, height, width, ModelMetadata.Values.EncoderGraph, precision);
        return g;
    }

    /// <summary><see cref="BuildEncoder"/> saved to <paramref name="path"/>.</summary>
    public static void ExportEncoder(DiMaskDinoModel model, int? height, int? width, string path, WeightPrecision precision = WeightPrecision.Float32)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        BuildEncoder(model, height, width, precision).Save(path);
    }

    /// <summary>metadata_props: what the graph is, input size (or <see cref="ModelMetadata.Values.Dynamic"/>) and layout, normalisation, d, classes, weight precision.</summary>
    public static void AddMetadata(OnnxGraphBuilder g, DiMaskDinoModel model, int? height, int? width, string graphKind, WeightPrecision precision)
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(model);
        var options = model.Options;
        var resizes = options.InputTransform == InputTransformKind.ResizeShortestEdge;
        g.AddMetadata(ModelMetadata.Keys.Graph, graphKind);
        g.AddMetadata(ModelMetadata.Keys.Preset, options.PresetName ?? options.Preset.ToString());
        g.AddMetadata(ModelMetadata.Keys.InputTransform, ModelMetadata.Values.Transform(options.InputTransform));
        if (resizes)
        {
            g.AddMetadata(ModelMetadata.Keys.ResizeShortEdge, ModelMetadata.Values.Integer(options.ResizeShortEdge));
            g.AddMetadata(ModelMetadata.Keys.ResizeMaxSize, ModelMetadata.Values.Integer(options.ResizeMaxSize));
        }

        g.AddMetadata(ModelMetadata.Keys.SizeDivisibility, ModelMetadata.Values.Integer(DiMaskDinoModel.SizeDivisibility));
        g.AddMetadata(ModelMetadata.Keys.InputHeight, ModelMetadata.Values.Size(height));
        g.AddMetadata(ModelMetadata.Keys.InputWidth, ModelMetadata.Values.Size(width));
        g.AddMetadata(ModelMetadata.Keys.InputLayout, "NCHW float32, normalised and padded (model.md §1.1)");
        g.AddMetadata(ModelMetadata.Keys.ChannelOrder, options.Normalization.Order.ToString());
        g.AddMetadata(ModelMetadata.Keys.Mean, ModelMetadata.Values.Numbers(options.Normalization.Mean));
        g.AddMetadata(ModelMetadata.Keys.Std, ModelMetadata.Values.Numbers(options.Normalization.Std));
        g.AddMetadata(ModelMetadata.Keys.HiddenDim, ModelMetadata.Values.Integer(options.HiddenDim));
        g.AddMetadata(ModelMetadata.Keys.NumClasses, ModelMetadata.Values.Integer(options.NumClasses));
        g.AddMetadata(ModelMetadata.Keys.Backbone, options.Backbone.ToString());
        g.AddMetadata(ModelMetadata.Keys.WeightsDtype, precision.MetadataValue());
    }
}
