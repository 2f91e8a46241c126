// The size-dependent tensors of the inference graph computed in the graph from the level sizes (model.md §3.2 sine
// map embedding, §3.5 encoder reference points, §4.2 proposal validity, §6.3 BATO memory position), mirroring
// SineEmbedding.Map, DeformableEncoder.ReferencePoints and Proposals.Boxes op for op (same float32 expressions; the
// map embedding's 2π/(n + 1e-6) in float64, as the model computes that scalar).

using DiMaskDino.Model.Common;
using DiMaskDino.Model.Query;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Export;

/// <summary>Per-level position tensors of a <see cref="LevelGeometry"/>; each is emitted once per level and reused.</summary>
public sealed class PositionEmitters
{
    private const double Temperature = 10000;

    private readonly OnnxGraphBuilder _g;
    private readonly LevelGeometry _levels;
    private readonly int _d;
    private readonly string _name;
    private readonly Cache _cache;
    private readonly bool _reversed;

    /// <param name="levels">the sizes, in any order (results follow it)</param>
    /// <param name="d">hidden width of the sine map embedding</param>
    public PositionEmitters(OnnxGraphBuilder g, LevelGeometry levels, int d, string name = "positions")
        : this(g, levels, d, name, new Cache(levels.Count), reversed: false)
    {
    }

    private PositionEmitters(OnnxGraphBuilder g, LevelGeometry levels, int d, string name, Cache cache, bool reversed)
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(levels);
        _g = g;
        _levels = levels;
        _d = d;
        _name = name;
        _cache = cache;
        _reversed = reversed;
    }

    /// <summary>The same tensors with the levels in reverse order (the decoder's), sharing what is already emitted.</summary>
    public PositionEmitters Reversed() => new(_g, _levels.Reversed(), _d, _name, _cache, !_reversed);

    /// <summary>SineEmbedding.Map of level <paramref name="level"/>: [H_l·W_l, d].</summary>
    public string SineMap(int level) => _cache.SineMaps[Key(level)] ??= EmitSineMap(level);

    /// <summary>Token centres ((j + 0.5)/W_l, (i + 0.5)/H_l) of level <paramref name="level"/>, row-major: [H_l·W_l, 2] (x, y).</summary>
    public string Centres(int level) => _cache.Centres[Key(level)] ??= EmitCentres(level);

    private int Key(int level) => _reversed ? _levels.Count - 1 - level : level;

    /// <summary>DeformableEncoder.ReferencePoints expanded over the levels: [1, S, L, 2].</summary>
    public string EncoderReferencePoints()
    {
        var all = OnnxOps.Concat(_g, [.. Enumerable.Range(0, _levels.Count).Select(Centres)], 0, _name + "_reference_all"); // [S, 2]
        var single = OnnxOps.Unsqueeze(_g, all, [0, 2], _name + "_reference_one");                                          // [1, S, 1, 2]
        var shape = _levels.Shape(_name + "_reference_shape", 1L, _levels.TotalTokens, (long)_levels.Count, 2L);
        return _g.AddNode("Expand", [single, shape], _name + "_reference");                                                  // [1, S, L, 2]
    }

    /// <summary>The proposal validity of §4.2 negated, levels in this geometry's order (the decoder's): [S, 1] bool, true = invalid.</summary>
    public string InvalidProposals()
    {
        var lower = _g.AddFloatConstant(_name + "_lower", [(float)Proposals.LowerBound], []);
        var upper = _g.AddFloatConstant(_name + "_upper", [(float)Proposals.UpperBound], []);
        var perLevel = new string[_levels.Count];
        for (var l = 0; l < _levels.Count; l++)
        {
            string level = $"{_name}_valid_l{l}";
            var centres = Centres(l);                                                                  // [H·W, 2]
            var inside = _g.AddNode(
                "And", [_g.AddNode("Greater", [centres, lower], level + "_above"), _g.AddNode("Less", [centres, upper], level + "_below")], level + "_inside");
            var both = _g.AddNode("Cast", [inside], level + "_as_int", Attr.Int("to", (long)Onnx.TensorProto.Types.DataType.Int32));
            both = _g.AddNode("ReduceMin", [both], level + "_both", Attr.Ints("axes", 1), Attr.Int("keepdims", 1));      // [H·W, 1]
            var valid = _g.AddNode("Cast", [both], level + "_valid", Attr.Int("to", (long)Onnx.TensorProto.Types.DataType.Bool));
            perLevel[l] = _g.AddNode("Not", [valid], level + "_invalid");
            // The box size 0.05·2^l is the same for every token of the level: all of it is invalid when the size is.
            float size = (float)(0.05 * Math.Pow(2, l));
            if (!(size > (float)Proposals.LowerBound && size < (float)Proposals.UpperBound))
            {
                perLevel[l] = _g.AddNode("Or", [perLevel[l], _g.AddBoolConstant(level + "_size_invalid", [true])], level + "_all_invalid");
            }
        }

        return OnnxOps.Concat(_g, perLevel, 0, _name + "_invalid");                                    // [S, 1]
    }

    /// <summary>BatoBlock.MemoryPosition: the sine maps of all levels concatenated in this geometry's order, [1, S, d].</summary>
    public string MemoryPosition() =>
        OnnxOps.Unsqueeze(_g, OnnxOps.Concat(_g, [.. Enumerable.Range(0, _levels.Count).Select(SineMap)], 0, _name + "_memory_all"), [0], _name + "_memory_position");

    private string EmitSineMap(int level)
    {
        string name = $"{_name}_sine_l{level}";
        int f = _d / 2;
        var posY = SineAxis(_levels.Height(level), name + "_y");                                         // [H, F]
        var posX = SineAxis(_levels.Width(level), name + "_x");                                          // [W, F]
        var shape = _levels.Shape(name + "_grid_shape", _levels.Height(level), _levels.Width(level), (long)f);
        var gridY = _g.AddNode("Expand", [OnnxOps.Unsqueeze(_g, posY, [1], name + "_y3"), shape], name + "_gy");   // [H, W, F]
        var gridX = _g.AddNode("Expand", [OnnxOps.Unsqueeze(_g, posX, [0], name + "_x3"), shape], name + "_gx");   // [H, W, F]
        return OnnxOps.Reshape(_g, OnnxOps.Concat(_g, [gridY, gridX], -1, name + "_grid"), [-1, _d], name); // [H·W, d]
    }

    // One axis of SineEmbedding.Map: (1..n)·(2π/(n + 1e-6)) (the scalar in float64, rounded to float32), / τ_k,
    // sin at even k, cos at odd k.
    private string SineAxis(string size, string name)
    {
        var asDouble = _g.AddNode("Cast", [size], name + "_n64", Attr.Int("to", (long)Onnx.TensorProto.Types.DataType.Double));
        var denominator = OnnxOps.Add(_g, asDouble, _g.AddDoubleConstant(name + "_eps", [1e-6]), name + "_den");
        var scale = OnnxOps.Div(_g, _g.AddDoubleConstant(name + "_2pi", [2 * Math.PI]), denominator, name + "_scale64");
        scale = _g.AddNode("Cast", [scale], name + "_scale", Attr.Int("to", (long)Onnx.TensorProto.Types.DataType.Float)); // [1]
        var steps = OnnxOps.Add(_g, Range(size, name + "_range"), _g.AddFloatConstant(name + "_one", [1f], []), name + "_steps"); // [n] 1..n
        var embedded = OnnxOps.Mul(_g, steps, scale, name + "_embed");                                  // [n]
        var angles = OnnxOps.Div(_g, OnnxOps.Unsqueeze(_g, embedded, [1], name + "_col"), Tau(), name + "_angles"); // [n, F]
        return _g.AddNode("Where", [Even(), _g.AddNode("Sin", [angles], name + "_sin"), _g.AddNode("Cos", [angles], name + "_cos")], name);
    }

    private string EmitCentres(int level)
    {
        string name = $"{_name}_centres_l{level}";
        string Axis(string size, string axis)
        {
            var half = _g.AddFloatConstant($"{name}_{axis}_half", [0.5f], []);
            var asFloat = _g.AddNode("Cast", [size], $"{name}_{axis}_n", Attr.Int("to", (long)Onnx.TensorProto.Types.DataType.Float));
            return OnnxOps.Div(_g, OnnxOps.Add(_g, Range(size, $"{name}_{axis}_range"), half, $"{name}_{axis}_mid"), asFloat, $"{name}_{axis}"); // [n]
        }

        var (height, width) = (_levels.Height(level), _levels.Width(level));
        var shape = _levels.Shape(name + "_shape", height, width, 1L);
        var x = _g.AddNode("Expand", [OnnxOps.Reshape(_g, Axis(width, "x"), [1, -1, 1], name + "_x3"), shape], name + "_gx");  // [H, W, 1]
        var y = _g.AddNode("Expand", [OnnxOps.Reshape(_g, Axis(height, "y"), [-1, 1, 1], name + "_y3"), shape], name + "_gy"); // [H, W, 1]
        return OnnxOps.Reshape(_g, OnnxOps.Concat(_g, [x, y], -1, name + "_xy"), [-1, 2], name);       // [H·W, 2]
    }

    /// <summary>0, 1, …, n − 1 as float32 [n] (exact: Range in int64, then Cast).</summary>
    private string Range(string size, string name)
    {
        var limit = OnnxOps.Reshape(_g, size, [], name + "_limit");
        var range = _g.AddNode(
            "Range", [_g.AddInt64Constant(name + "_start", [0], []), limit, _g.AddInt64Constant(name + "_delta", [1], [])], name + "_int");
        return _g.AddNode("Cast", [range], name, Attr.Int("to", (long)Onnx.TensorProto.Types.DataType.Float));
    }

    private string Tau()
    {
        if (_cache.Tau is null)
        {
            using var scope = NewDisposeScope();
            int f = _d / 2;
            // τ_k with the same float32 expression as SineEmbedding (bit-identical constants).
            var k = arange(f, dtype: float32);
            _cache.Tau = _g.AddFloatConstant(_name + "_tau", pow(Temperature, 2 * k.floor_divide(2) / f));  // [F]
        }

        return _cache.Tau;
    }

    private string Even() => _cache.Even ??= _g.AddBoolConstant(_name + "_even", [.. Enumerable.Range(0, _d / 2).Select(k => k % 2 == 0)], _d / 2);

    private sealed class Cache(int levels)
    {
        public string?[] SineMaps { get; } = new string?[levels];
        public string?[] Centres { get; } = new string?[levels];
        public string? Tau { get; set; }
        public string? Even { get; set; }
    }
}
