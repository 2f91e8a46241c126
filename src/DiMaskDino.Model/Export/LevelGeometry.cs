// The spatial sizes inside an exported graph (model.md §13): the stride-4 map and the attention levels, as int64
// tensors every emitter builds its shapes from. A fixed-size export stores them as constants (ONNX Runtime folds what
// depends on them when it loads the model); a size-dynamic export computes them from the input's runtime shape with
// the backbone's rounding (each stride-2 step rounds up, so an odd stride-32 size gives a rounded-up stride-64 level).

using DiMaskDino.Model.Common;

namespace DiMaskDino.Model.Export;

/// <summary>Level sizes of one graph as int64 [1] tensors (height, width, tokens), plus the shapes built from them.</summary>
public sealed class LevelGeometry
{
    private readonly OnnxGraphBuilder _g;
    private readonly string[] _heights;
    private readonly string[] _widths;
    private readonly string[] _tokens;
    private readonly string _name;
    private string? _splitSizes;
    private string? _totalTokens;

    private LevelGeometry(OnnxGraphBuilder g, string[] heights, string[] widths, LevelShapes? known, string name)
    {
        _g = g;
        _heights = heights;
        _widths = widths;
        _name = name;
        Known = known;
        _tokens = [.. Enumerable.Range(0, heights.Length).Select(l => OnnxOps.Mul(g, heights[l], widths[l], $"{name}_l{l}_tokens"))];
    }

    /// <summary>The sizes when the graph has a fixed input size; null in a size-dynamic graph.</summary>
    public LevelShapes? Known { get; }

    public int Count => _heights.Length;

    /// <summary>H_l, int64 [1].</summary>
    public string Height(int level) => _heights[level];

    /// <summary>W_l, int64 [1].</summary>
    public string Width(int level) => _widths[level];

    /// <summary>H_l·W_l, int64 [1].</summary>
    public string Tokens(int level) => _tokens[level];

    /// <summary>[H_0·W_0, H_1·W_1, …] int64 [L], the split sizes of a level-concatenated token axis.</summary>
    public string SplitSizes => _splitSizes ??= OnnxOps.Concat(_g, _tokens, 0, _name + "_split_sizes");

    /// <summary>S = Σ H_l·W_l, int64 [1].</summary>
    public string TotalTokens => _totalTokens ??= OnnxOps.ReduceSum(_g, SplitSizes, [0], keepDims: true, _name + "_total_tokens");

    /// <summary>An int64 shape vector: each part is a <see cref="long"/> (a constant axis) or a tensor name (an int64 [n] piece).</summary>
    public string Shape(string name, params object[] parts) => ShapeOf(_g, name, parts);

    /// <summary>The same sizes in reverse order (the decoder's order, model.md §4.1).</summary>
    public LevelGeometry Reversed() =>
        new(_g, [.. _heights.Reverse()], [.. _widths.Reverse()], Known?.Reversed(), _name + "_reversed");

    /// <summary>Constant sizes (a fixed-size graph, or an emitter test).</summary>
    public static LevelGeometry Constant(OnnxGraphBuilder g, LevelShapes levels, string name = "levels")
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(levels);
        return new LevelGeometry(
            g,
            [.. levels.Sizes.Select((s, l) => g.AddInt64Constant($"{name}_l{l}_height", [s.Height]))],
            [.. levels.Sizes.Select((s, l) => g.AddInt64Constant($"{name}_l{l}_width", [s.Width]))],
            levels, name);
    }

    /// <summary>Sizes computed in the graph from int64 [1] tensors (a size-dynamic graph).</summary>
    public static LevelGeometry Computed(OnnxGraphBuilder g, IReadOnlyList<(string Height, string Width)> sizes, string name = "levels")
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(sizes);
        return new LevelGeometry(g, [.. sizes.Select(s => s.Height)], [.. sizes.Select(s => s.Width)], null, name);
    }

    /// <inheritdoc cref="Shape"/>
    public static string ShapeOf(OnnxGraphBuilder g, string name, params object[] parts)
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(parts);
        var pieces = new List<string>();
        var constants = new List<long>();
        void FlushConstants()
        {
            if (constants.Count > 0)
            {
                pieces.Add(g.AddInt64Constant($"{name}_part", [.. constants]));
                constants.Clear();
            }
        }

        foreach (var part in parts)
        {
            switch (part)
            {
                case long n:
                    constants.Add(n);
                    break;
                case int n:
                    constants.Add(n);
                    break;
                case string tensor:
                    FlushConstants();
                    pieces.Add(tensor);
                    break;
                default:
                    throw new ArgumentException($"a shape part must be a long, an int or a tensor name, got {part}", nameof(parts));
            }
        }

        FlushConstants();
        return pieces.Count == 1 ? pieces[0] : OnnxOps.Concat(g, [.. pieces], 0, name);
    }
}

/// <summary>The sizes of a whole inference graph: input, stride-4 map (mask size) and the encoder levels.</summary>
/// <param name="Height">input H, int64 [1]</param>
/// <param name="Width">input W, int64 [1]</param>
/// <param name="Res2">(H/4, W/4), int64 [1] each: res2, the mask features and pred_masks</param>
/// <param name="Levels">the encoder levels [s8, s16, s32, s64] (pixel decoder order)</param>
public sealed record GraphSizes(string Height, string Width, (string Height, string Width) Res2, LevelGeometry Levels)
{
    /// <summary>Strides of the backbone's stride-2 steps: stem conv, stem pool, layer2, layer3, layer4, then the extra level.</summary>
    private const int Steps = 6;

    /// <summary>Sizes of a fixed-size graph: constants (<see cref="OnnxExporter.SizesFor"/>).</summary>
    public static GraphSizes Constant(OnnxGraphBuilder g, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(g);
        var (res2, levels) = OnnxExporter.SizesFor(height, width);
        return new GraphSizes(
            g.AddInt64Constant("input_height", [height]), g.AddInt64Constant("input_width", [width]),
            (g.AddInt64Constant("res2_height", [res2.Height]), g.AddInt64Constant("res2_width", [res2.Width])),
            LevelGeometry.Constant(g, levels, "enc_levels"));
    }

    /// <summary>
    /// Sizes of a size-dynamic graph from the runtime shape of <paramref name="images"/> [B, 3, H, W]: n ↦ (n + 1) / 2
    /// per stride-2 step, as <see cref="OnnxExporter.SizesFor"/> does.
    /// </summary>
    public static GraphSizes FromInput(OnnxGraphBuilder g, string images)
    {
        ArgumentNullException.ThrowIfNull(g);
        var shape = OnnxOps.Shape(g, images, "input_shape");
        var height = OnnxOps.Slice(g, shape, 0, 2, 3, "input_height");
        var width = OnnxOps.Slice(g, shape, 0, 3, 4, "input_width");
        var one = g.AddInt64Constant("size_one", [1]);
        var two = g.AddInt64Constant("size_two", [2]);
        string Half(string n, string name) => OnnxOps.Div(g, OnnxOps.Add(g, n, one, name + "_plus1"), two, name);

        var sizes = new List<(string, string)>();
        (string Height, string Width) res2 = default;
        var (h, w) = (height, width);
        for (var step = 1; step <= Steps; step++)
        {
            var stride = 1 << step;
            (h, w) = (Half(h, $"s{stride}_height"), Half(w, $"s{stride}_width"));
            if (stride == 4)
            {
                res2 = (h, w);
            }
            else if (stride >= 8)
            {
                sizes.Add((h, w));
            }
        }

        return new GraphSizes(height, width, res2, LevelGeometry.Computed(g, sizes, "enc_levels"));
    }
}
