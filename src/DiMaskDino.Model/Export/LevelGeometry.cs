// The sizes of the attention levels inside an exported graph (model.md §13), as int64 tensors every emitter builds
// its shapes from: constants in a fixed-size export (ONNX Runtime folds what depends on them when it loads the
// model), computed from the input's runtime shape in a size-dynamic one (GraphSizes).

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

    /// <summary>
    /// The levels at <paramref name="indices"/>, in that order (the encoder's level order and count out of the stride-ordered
    /// sizes); this geometry itself when that is all of them in order.
    /// </summary>
    public LevelGeometry Select(IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        if (indices.SequenceEqual(Enumerable.Range(0, Count)))
        {
            return this;
        }

        var known = Known is null ? null : new LevelShapes([.. indices.Select(i => Known.Sizes[i])]);
        return new(_g, [.. indices.Select(i => _heights[i])], [.. indices.Select(i => _widths[i])], known, _name + "_selected");
    }

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
