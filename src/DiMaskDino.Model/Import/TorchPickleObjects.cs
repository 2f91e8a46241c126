// What the pickle inside a torch checkpoint turns into before any tensor data is read: storage references, tensor
// descriptions and ordered dictionaries. Razorvine.Pickle builds them through the constructors registered in
// TorchCheckpointReader.

using System.Collections;
using Razorvine.Pickle;
using Razorvine.Pickle.Objects;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Import;

/// <summary>A persistent id ("storage", torch.FloatStorage, key, location, numel): entry data/&lt;key&gt; of the zip.</summary>
internal sealed record StorageReference(string Key, ScalarType DType, long Elements);

/// <summary>torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, ...), not yet read.</summary>
internal sealed record TensorReference(StorageReference Storage, long Offset, long[] Shape, long[] Stride);

/// <summary>collections.OrderedDict: a Hashtable that remembers insertion order; BUILD state (_metadata) is ignored.</summary>
internal sealed class OrderedTable : Hashtable
{
    private readonly List<object> _order = [];

    public IReadOnlyList<object> OrderedKeys => _order;

    public override object? this[object key]
    {
        get => base[key];
        set
        {
            if (!ContainsKey(key))
            {
                _order.Add(key);
            }

            base[key] = value;
        }
    }

    public override void Add(object key, object? value)
    {
        base.Add(key, value);
        _order.Add(key);
    }

    // Called by the BUILD opcode with the OrderedDict's __dict__ ({"_metadata": ...}); it carries no weights.
    public void __setstate__(Hashtable state) => Metadata = state;

    public Hashtable? Metadata { get; private set; }
}

internal sealed class OrderedTableConstructor : IObjectConstructor
{
    public object construct(object[] args)
    {
        var table = new OrderedTable();
        if (args.Length > 0 && args[0] is IEnumerable items)
        {
            foreach (var item in items)
            {
                if (item is object[] { Length: 2 } pair)
                {
                    table[pair[0]] = pair[1];
                }
            }
        }

        return table;
    }
}

internal sealed class TensorReferenceConstructor : IObjectConstructor
{
    public object construct(object[] args)
    {
        if (args.Length < 4 || args[0] is not StorageReference storage)
        {
            throw new PickleException("_rebuild_tensor_v2 without a storage reference");
        }

        return new TensorReference(storage, Convert.ToInt64(args[1]), Longs(args[2]), Longs(args[3]));
    }

    private static long[] Longs(object value) => value is object[] items ? [.. items.Select(Convert.ToInt64)] : [];
}

/// <summary>torch._utils._rebuild_parameter(data, requires_grad, hooks): the data is the tensor.</summary>
internal sealed class ParameterConstructor : IObjectConstructor
{
    public object construct(object[] args) => args.Length > 0 ? args[0] : throw new PickleException("_rebuild_parameter without data");
}

/// <summary>Objects a training checkpoint may hold besides the model (numpy scalars, dtypes): kept opaque.</summary>
internal sealed class OpaqueConstructor : IObjectConstructor
{
    public object construct(object[] args) => new OpaqueObject();
}

internal sealed class OpaqueObject
{
    public void __setstate__(object state)
    {
    }
}
