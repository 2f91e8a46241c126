// Builds an ONNX ModelProto (opset 17, IR version 8) node by node for the inference-graph exporter (model.md §13):
// graph inputs/outputs with a symbolic batch dimension, initializers copied from TorchSharp tensors (float32, or in a
// WeightPrecision that shrinks the file), unique names, metadata_props, saving.
// Uses the protobuf types of the OnnxSharp package (as Backbone/ResNetWeightsImporter.cs does for reading).

using Google.Protobuf;
using Onnx;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Export;

/// <summary>
/// Accumulates nodes, initializers, inputs, outputs and metadata of one ONNX graph. Every method that creates a
/// value returns its (unique) tensor name, to be fed to later nodes.
/// </summary>
public sealed class OnnxGraphBuilder
{
    /// <summary>The default-domain opset the exporter targets (GridSample needs ≥ 16; GroupNormalization is 18).</summary>
    public const int Opset = 17;

    /// <summary>IR version that goes with opset 17 (ONNX 1.12).</summary>
    public const long IrVersion = 8;

    /// <summary>Name of the symbolic batch dimension of graph inputs and outputs.</summary>
    public const string BatchDim = "batch";

    private readonly GraphProto _graph;
    private readonly Dictionary<string, int> _nameCounts = [];
    private readonly List<(string Key, string Value)> _metadata = [];

    /// <param name="graphName">graph name stored in the file</param>
    /// <param name="precision">how <see cref="AddWeight"/> stores weights</param>
    /// <param name="stageOutputs">whether <see cref="Stage(string, string)"/> exposes intermediate tensors as outputs</param>
    public OnnxGraphBuilder(string graphName, WeightPrecision precision = WeightPrecision.Float32, bool stageOutputs = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(graphName);
        _graph = new GraphProto { Name = graphName };
        Precision = precision;
        StageOutputs = stageOutputs;
    }

    public WeightPrecision Precision { get; }

    /// <summary>
    /// Stage mode: every <see cref="Stage(string, string)"/> call becomes a graph output named after the official
    /// forward's stage (shared/golden/official/README.md), so tests compare the graph stage by stage. Off by default:
    /// the calls then add nothing and the graph is the plain inference graph.
    /// </summary>
    public bool StageOutputs { get; }

    /// <summary>In stage mode, exposes the float32 <paramref name="tensorName"/> as output <paramref name="stage"/>.</summary>
    public void Stage(string stage, string tensorName)
    {
        if (StageOutputs)
        {
            AddOutputCore(stage, tensorName, null, TensorProto.Types.DataType.Float);
        }
    }

    /// <summary>In stage mode, emits the nodes of a stage the inference graph does not compute and exposes the result.</summary>
    public void Stage(string stage, Func<string> emit)
    {
        ArgumentNullException.ThrowIfNull(emit);
        if (StageOutputs)
        {
            Stage(stage, emit());
        }
    }

    /// <summary>In stage mode, exposes the int64 <paramref name="tensorName"/> (indices, sizes) as output <paramref name="stage"/>.</summary>
    public void StageInt64(string stage, string tensorName)
    {
        if (StageOutputs)
        {
            AddOutputCore(stage, tensorName, null, TensorProto.Types.DataType.Int64);
        }
    }

    /// <summary>Number of nodes emitted so far.</summary>
    public int NodeCount => _graph.Node.Count;

    /// <summary>A name not used before, derived from <paramref name="baseName"/>.</summary>
    public string UniqueName(string baseName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(baseName);
        if (!_nameCounts.TryGetValue(baseName, out int count))
        {
            _nameCounts[baseName] = 1;
            return baseName;
        }

        string candidate;
        do
        {
            candidate = $"{baseName}_{count++}";
        }
        while (_nameCounts.ContainsKey(candidate));

        _nameCounts[baseName] = count;
        _nameCounts[candidate] = 1;
        return candidate;
    }

    /// <summary>Declares a float32 graph input.</summary>
    /// <param name="name">exact input name (must be unused)</param>
    /// <param name="dims">per axis a <see cref="long"/> size or a <see cref="string"/> symbolic name</param>
    public string AddInput(string name, params object[] dims)
    {
        string unique = UniqueName(name);
        if (unique != name)
        {
            throw new ArgumentException($"graph input name '{name}' is already used", nameof(name));
        }

        _graph.Input.Add(ValueInfo(name, TensorProto.Types.DataType.Float, dims));
        return name;
    }

    /// <summary>Exposes <paramref name="tensorName"/> as float32 graph output <paramref name="name"/> (an Identity node renames it).</summary>
    /// <param name="dims">per axis a <see cref="long"/> size or a <see cref="string"/> symbolic name</param>
    public void AddOutput(string name, string tensorName, params object[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        AddOutputCore(name, tensorName, dims, TensorProto.Types.DataType.Float);
    }

    /// <summary>As <see cref="AddOutput"/> but without a declared shape (rank unknown to the file).</summary>
    public void AddOutputWithoutShape(string name, string tensorName) =>
        AddOutputCore(name, tensorName, null, TensorProto.Types.DataType.Float);

    private void AddOutputCore(string name, string tensorName, object[]? dims, TensorProto.Types.DataType type)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tensorName);
        if (UniqueName(name) != name)
        {
            throw new ArgumentException($"graph output name '{name}' is already used", nameof(name));
        }

        _graph.Node.Add(MakeNode("Identity", [tensorName], [name], []));
        _graph.Output.Add(ValueInfo(name, type, dims));
    }

    /// <summary>Adds a key/value to the model's metadata_props.</summary>
    public void AddMetadata(string key, string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        ArgumentNullException.ThrowIfNull(value);
        if (_metadata.Any(m => m.Key == key))
        {
            throw new ArgumentException($"metadata key '{key}' is already set", nameof(key));
        }

        _metadata.Add((key, value));
    }

    /// <summary>Sets a key of the model's metadata_props, replacing the value the exporter wrote (tests, stamping tools).</summary>
    public void SetMetadata(string key, string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        ArgumentNullException.ThrowIfNull(value);
        _metadata.RemoveAll(m => m.Key == key);
        _metadata.Add((key, value));
    }

    /// <summary>
    /// A float weight (copied from <paramref name="value"/>, any shape), stored as <see cref="Precision"/> says; the
    /// returned name is a float32 tensor (after Cast, and Mul by the channel scales for int8). With a lossy precision
    /// <paramref name="value"/> is overwritten with the values the graph computes with, so a view of a module's
    /// parameter leaves the module computing exactly what the file does (the reference <c>export --verify</c> uses).
    /// </summary>
    /// <param name="channelAxis">
    /// the output-channel axis of a Conv or Linear weight matrix, which <see cref="WeightPrecision.Int8"/> may store
    /// as int8; null for every other weight (biases, norms), which stays float16 there
    /// </param>
    public string AddWeight(string baseName, Tensor value, int? channelAxis = null)
    {
        ArgumentNullException.ThrowIfNull(value);
        using var scope = NewDisposeScope();
        var contiguous = value.detach().to(float32).cpu().contiguous();
        long[] dims = contiguous.shape;
        float[] values = contiguous.data<float>().ToArray();
        if (Precision == WeightPrecision.Float32)
        {
            return AddFloatInitializer(baseName, values, dims);
        }

        string name;
        float[] stored;
        if (Precision == WeightPrecision.Int8 && channelAxis is { } axis && values.Length >= Int8Weights.MinimumElements)
        {
            var quantized = Int8Weights.Quantize(values, dims, axis);
            string codes = UniqueName(baseName + "_int8");
            _graph.Initializer.Add(TensorProtos.Int8(codes, quantized.Codes, dims));
            long[] scaleDims = [.. dims.Select((d, i) => i == axis ? d : 1L)];
            var cast = AddNode("Cast", [codes], baseName + "_dequant", Attr.Int("to", (long)TensorProto.Types.DataType.Float));
            name = AddNode("Mul", [cast, AddFloatInitializer(baseName + "_scale", quantized.Scales, scaleDims)], baseName);
            stored = quantized.Dequantize(dims);
        }
        else
        {
            var halves = values.Select(v => (Half)v).ToArray();
            string half = UniqueName(baseName + "_fp16");
            _graph.Initializer.Add(TensorProtos.Float16(half, halves, dims));
            name = AddNode("Cast", [half], baseName, Attr.Int("to", (long)TensorProto.Types.DataType.Float));
            stored = [.. halves.Select(h => (float)h)];
        }

        using (no_grad())
        {
            value.copy_(tensor(stored, dims).to(value.dtype, value.device));
        }

        return name;
    }

    /// <summary>A float32 constant kept in float32 whatever <see cref="Precision"/> says (grids, embeddings, scalars).</summary>
    public string AddFloatConstant(string baseName, float[] values, params long[] dims)
    {
        ArgumentNullException.ThrowIfNull(values);
        return AddFloatInitializer(baseName, values, dims);
    }

    /// <summary>A float32 constant copied from a tensor, never converted to another precision.</summary>
    public string AddFloatConstant(string baseName, Tensor value)
    {
        ArgumentNullException.ThrowIfNull(value);
        using var scope = NewDisposeScope();
        var contiguous = value.detach().to(float32).cpu().contiguous();
        return AddFloatInitializer(baseName, contiguous.data<float>().ToArray(), contiguous.shape);
    }

    /// <summary>A float64 constant (scalars the model computes in double precision before rounding to float32).</summary>
    public string AddDoubleConstant(string baseName, double[] values, params long[] dims)
    {
        ArgumentNullException.ThrowIfNull(values);
        string name = UniqueName(baseName);
        _graph.Initializer.Add(TensorProtos.Double(name, values, dims));
        return name;
    }

    /// <summary>An int64 constant (shapes, axes, indices); a 1-D vector unless <paramref name="dims"/> says otherwise.</summary>
    public string AddInt64Constant(string baseName, long[] values, long[]? dims = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        string name = UniqueName(baseName);
        _graph.Initializer.Add(TensorProtos.Int64(name, values, dims ?? [values.Length]));
        return name;
    }

    /// <summary>A bool constant (attention masks).</summary>
    public string AddBoolConstant(string baseName, bool[] values, params long[] dims)
    {
        ArgumentNullException.ThrowIfNull(values);
        string name = UniqueName(baseName);
        _graph.Initializer.Add(TensorProtos.Bool(name, values, dims));
        return name;
    }

    /// <summary>Adds a single-output node; an input name "" marks an omitted optional input.</summary>
    /// <returns>the output tensor name (unique, derived from <paramref name="baseName"/>)</returns>
    public string AddNode(string opType, string[] inputs, string baseName, params AttributeProto[] attributes)
    {
        string output = UniqueName(baseName);
        _graph.Node.Add(MakeNode(opType, inputs, [output], attributes));
        return output;
    }

    /// <summary>Adds a node with several outputs (e.g. TopK's values and indices).</summary>
    /// <returns>the output tensor names, unique, derived from <paramref name="baseNames"/> in order</returns>
    public string[] AddNode(string opType, string[] inputs, string[] baseNames, params AttributeProto[] attributes)
    {
        ArgumentNullException.ThrowIfNull(baseNames);
        string[] outputs = [.. baseNames.Select(UniqueName)];
        _graph.Node.Add(MakeNode(opType, inputs, outputs, attributes));
        return outputs;
    }

    /// <summary>The model: opset 17, IR 8, producer "DiMaskDino", the graph and the metadata.</summary>
    public ModelProto Build()
    {
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "DiMaskDino",
            ProducerVersion = "1",
            Graph = _graph.Clone(),
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        foreach (var (key, value) in _metadata)
        {
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        }

        return model;
    }

    /// <summary>Serialises <see cref="Build"/> to <paramref name="stream"/>.</summary>
    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Build().WriteTo(stream);
    }

    /// <summary>Serialises <see cref="Build"/> to a file (created or overwritten).</summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var stream = File.Create(path);
        Save(stream);
    }

    /// <summary>The serialised model.</summary>
    public byte[] ToBytes() => Build().ToByteArray();

    private string AddFloatInitializer(string baseName, float[] values, long[] dims)
    {
        string name = UniqueName(baseName);
        _graph.Initializer.Add(TensorProtos.Float(name, values, dims));
        return name;
    }

    private NodeProto MakeNode(string opType, string[] inputs, string[] outputs, AttributeProto[] attributes)
    {
        // Named after its first output (unique): ONNX Runtime's profiles then say which part of the model a kernel ran for.
        var node = new NodeProto { OpType = opType, Name = outputs.Length > 0 ? outputs[0] : UniqueName("n_" + opType) };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        return node;
    }

    private static ValueInfoProto ValueInfo(string name, TensorProto.Types.DataType type, object[]? dims)
    {
        var tensorType = new TypeProto.Types.Tensor { ElemType = (int)type };
        if (dims is null)
        {
            return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensorType } };
        }

        var shape = new TensorShapeProto();
        foreach (var dim in dims)
        {
            shape.Dim.Add(dim switch
            {
                long size => new TensorShapeProto.Types.Dimension { DimValue = size },
                int size => new TensorShapeProto.Types.Dimension { DimValue = size },
                string symbol => new TensorShapeProto.Types.Dimension { DimParam = symbol },
                _ => throw new ArgumentException($"a dimension must be a long, an int or a string, got {dim}", nameof(dims)),
            });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }
}
