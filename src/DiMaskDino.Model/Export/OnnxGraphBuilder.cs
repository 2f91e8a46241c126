// Builds an ONNX ModelProto (opset 17, IR version 8) node by node for the inference-graph exporter (model.md §13):
// graph inputs/outputs with a symbolic batch dimension, initializers copied from TorchSharp tensors (float32, or
// float16 followed by a Cast back to float32 to halve the file), unique names, metadata_props, saving.
// Uses the protobuf types of the OnnxSharp package (as Backbone/ResNetWeightsImporter.cs does for reading).

using System.Runtime.InteropServices;
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
    /// <param name="float16Weights">store float weights as float16 initializers, each followed by Cast → float32</param>
    public OnnxGraphBuilder(string graphName, bool float16Weights = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(graphName);
        _graph = new GraphProto { Name = graphName };
        Float16Weights = float16Weights;
    }

    public bool Float16Weights { get; }

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
        AddOutputCore(name, tensorName, dims);
    }

    /// <summary>As <see cref="AddOutput"/> but without a declared shape (rank unknown to the file).</summary>
    public void AddOutputWithoutShape(string name, string tensorName) => AddOutputCore(name, tensorName, null);

    private void AddOutputCore(string name, string tensorName, object[]? dims)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tensorName);
        if (UniqueName(name) != name)
        {
            throw new ArgumentException($"graph output name '{name}' is already used", nameof(name));
        }

        _graph.Node.Add(MakeNode("Identity", [tensorName], [name], []));
        _graph.Output.Add(ValueInfo(name, TensorProto.Types.DataType.Float, dims));
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

    /// <summary>
    /// A float weight (copied from <paramref name="value"/>, any shape). With <see cref="Float16Weights"/> it is
    /// stored as float16 and the returned name is the output of a Cast to float32.
    /// </summary>
    public string AddWeight(string baseName, Tensor value)
    {
        ArgumentNullException.ThrowIfNull(value);
        using var scope = NewDisposeScope();
        var contiguous = value.detach().to(float32).cpu().contiguous();
        long[] dims = contiguous.shape;
        if (!Float16Weights)
        {
            return AddFloatInitializer(baseName, contiguous.data<float>().ToArray(), dims);
        }

        var halves = contiguous.data<float>().ToArray().Select(v => (Half)v).ToArray();
        string stored = UniqueName(baseName + "_fp16");
        _graph.Initializer.Add(new TensorProto
        {
            Name = stored,
            DataType = (int)TensorProto.Types.DataType.Float16,
            Dims = { dims },
            RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(halves.AsSpan())),
        });
        return AddNode("Cast", [stored], baseName, Attr.Int("to", (long)TensorProto.Types.DataType.Float));
    }

    /// <summary>A float32 constant kept in float32 whatever <see cref="Float16Weights"/> says (grids, embeddings, scalars).</summary>
    public string AddFloatConstant(string baseName, float[] values, params long[] dims)
    {
        ArgumentNullException.ThrowIfNull(values);
        return AddFloatInitializer(baseName, values, dims);
    }

    /// <summary>A float32 constant copied from a tensor, never converted to float16.</summary>
    public string AddFloatConstant(string baseName, Tensor value)
    {
        ArgumentNullException.ThrowIfNull(value);
        using var scope = NewDisposeScope();
        var contiguous = value.detach().to(float32).cpu().contiguous();
        return AddFloatInitializer(baseName, contiguous.data<float>().ToArray(), contiguous.shape);
    }

    /// <summary>An int64 constant (shapes, axes, indices); a 1-D vector unless <paramref name="dims"/> says otherwise.</summary>
    public string AddInt64Constant(string baseName, long[] values, long[]? dims = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        string name = UniqueName(baseName);
        _graph.Initializer.Add(new TensorProto
        {
            Name = name,
            DataType = (int)TensorProto.Types.DataType.Int64,
            Dims = { dims ?? [values.Length] },
            RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())),
        });
        return name;
    }

    /// <summary>A bool constant (attention masks).</summary>
    public string AddBoolConstant(string baseName, bool[] values, params long[] dims)
    {
        ArgumentNullException.ThrowIfNull(values);
        string name = UniqueName(baseName);
        _graph.Initializer.Add(new TensorProto
        {
            Name = name,
            DataType = (int)TensorProto.Types.DataType.Bool,
            Dims = { dims },
            RawData = ByteString.CopyFrom([.. values.Select(v => v ? (byte)1 : (byte)0)]),
        });
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
        _graph.Initializer.Add(new TensorProto
        {
            Name = name,
            DataType = (int)TensorProto.Types.DataType.Float,
            Dims = { dims },
            RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())),
        });
        return name;
    }

    private NodeProto MakeNode(string opType, string[] inputs, string[] outputs, AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = UniqueName("n_" + opType) };
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
