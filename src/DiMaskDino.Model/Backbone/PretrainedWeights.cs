namespace DiMaskDino.Model.Backbone;

/// <summary>One pretrained tensor as managed data: float32 values in row-major order and the torch shape.</summary>
public sealed class WeightArray
{
    public WeightArray(float[] values, long[] shape)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(shape);
        if (values.LongLength != shape.Aggregate(1L, (a, b) => a * b))
        {
            throw new ArgumentException($"{values.Length} values do not fill shape [{string.Join(", ", shape)}].");
        }

        Values = values;
        Shape = shape;
    }

    public float[] Values { get; }

    public long[] Shape { get; }
}

/// <summary>
/// Pretrained backbone tensors keyed by torchvision state_dict names (<c>conv1.weight</c>,
/// <c>layer4.0.downsample.1.running_var</c>, ...), held as managed arrays so that file I/O stays apart from
/// tensor creation (tensors are made on the thread that uses them). <see cref="Source"/> records provenance.
/// </summary>
public sealed class PretrainedWeights
{
    public PretrainedWeights(IReadOnlyDictionary<string, WeightArray> tensors, string source)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        Tensors = tensors;
        Source = source;
    }

    public IReadOnlyDictionary<string, WeightArray> Tensors { get; }

    /// <summary>Where the weights came from (package, file, sha256, original model).</summary>
    public string Source { get; }
}
