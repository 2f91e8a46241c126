using System.Globalization;
using System.Text.Json;

namespace DiMaskDino.Contracts.Models;

/// <summary>
/// Reads typed values of <see cref="ModelMetadata"/> keys; every error is an <see cref="InvalidDataException"/> naming
/// the model, the key and what is wrong.
/// </summary>
internal sealed class MetadataReader(IReadOnlyDictionary<string, string> props, string modelName)
{
    public bool Has(string name) => props.ContainsKey(name);

    public string Text(string name, bool allowEmpty = false)
    {
        if (!props.TryGetValue(name, out var value))
        {
            throw new InvalidDataException($"{modelName}: metadata key \"{name}\" is missing; was the model exported by dimaskdino-train export?");
        }

        if (!allowEmpty && string.IsNullOrWhiteSpace(value))
        {
            throw Malformed(name, value, "it is empty");
        }

        return value;
    }

    public InvalidDataException Malformed(string name, string value, string why, Exception? inner = null)
    {
        var shown = value.Length > 80 ? value[..80] + "…" : value;
        return new InvalidDataException($"{modelName}: metadata key \"{name}\" is malformed ({why}): \"{shown}\"", inner);
    }

    public double? OptionalFraction(string name)
    {
        if (!props.TryGetValue(name, out var value))
        {
            return null;
        }

        return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && x is >= 0 and <= 1
            ? x
            : throw Malformed(name, value, "expected a number within 0..1");
    }

    public int Positive(string name)
    {
        var value = Text(name);
        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw Malformed(name, value, "expected a positive integer");
    }

    public int MultipleOf32(string name)
    {
        var n = Positive(name);
        return n % 32 == 0 ? n : throw Malformed(name, Text(name), "expected a multiple of 32");
    }

    /// <summary>A positive multiple of 32, or null for <see cref="ModelMetadata.Values.Dynamic"/>.</summary>
    public int? MultipleOf32OrDynamic(string name) => Text(name) == ModelMetadata.Values.Dynamic ? null : MultipleOf32(name);

    /// <summary><c>letterbox</c> or <c>resize_shortest_edge</c>; absent means letterbox (files older than the key).</summary>
    public InputTransformKind Transform(string name) => !Has(name) ? InputTransformKind.Letterbox : Text(name) switch
    {
        ModelMetadata.Values.Letterbox => InputTransformKind.Letterbox,
        ModelMetadata.Values.ResizeShortestEdge => InputTransformKind.ResizeShortestEdge,
        var other => throw Malformed(name, other, "expected letterbox or resize_shortest_edge"),
    };

    public bool Flag(string name) => Text(name) switch
    {
        ModelMetadata.Values.True => true,
        ModelMetadata.Values.False => false,
        var other => throw Malformed(name, other, "expected true or false"),
    };

    public ChannelOrder Order(string name)
    {
        var value = Text(name);
        return !value.Any(char.IsDigit) && Enum.TryParse<ChannelOrder>(value, ignoreCase: true, out var order) && Enum.IsDefined(order)
            ? order
            : throw Malformed(name, value, $"expected one of {string.Join(", ", Enum.GetNames<ChannelOrder>())}");
    }

    public float[] Triple(string name, bool positive)
    {
        var value = Text(name);
        var parts = value.Split(',');
        var numbers = new float[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!float.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out numbers[i])
                || !float.IsFinite(numbers[i]) || (positive && numbers[i] <= 0))
            {
                throw Malformed(name, value, positive ? "expected three positive numbers" : "expected three numbers");
            }
        }

        return numbers.Length == 3 ? numbers : throw Malformed(name, value, "expected three comma-separated numbers");
    }

    /// <summary>JSON array of <c>["id", "name"]</c> pairs, one per logit, in logit order.</summary>
    public ModelClass[] Classes(string name, int numClasses)
    {
        var value = Text(name);
        string[][]? pairs;
        try
        {
            pairs = JsonSerializer.Deserialize<string[][]>(value);
        }
        catch (JsonException e)
        {
            throw Malformed(name, value, "expected a JSON array of [\"id\", \"name\"] pairs", e);
        }

        if (pairs is null || pairs.Any(p => p is null || p.Length != 2 || p[1] is null))
        {
            throw Malformed(name, value, "expected a JSON array of [\"id\", \"name\"] pairs");
        }

        if (pairs.Length != numClasses)
        {
            throw Malformed(name, value, $"{pairs.Length} classes, but {ModelMetadata.Keys.NumClasses} is {numClasses}");
        }

        var classes = new ModelClass[pairs.Length];
        for (var i = 0; i < pairs.Length; i++)
        {
            if (!int.TryParse(pairs[i][0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var id))
            {
                throw Malformed(name, value, $"class {i} has the non-integer id \"{pairs[i][0]}\"");
            }

            classes[i] = new ModelClass(i, id, pairs[i][1]);
        }

        var duplicate = classes.GroupBy(c => c.Id).FirstOrDefault(g => g.Count() > 1);
        return duplicate is null ? classes : throw Malformed(name, value, $"the id {duplicate.Key} appears more than once");
    }

    /// <summary><c>name=value;name=value</c> (R-formatted doubles); empty means no metrics.</summary>
    public Dictionary<string, double> Metrics(string name)
    {
        var value = Text(name, allowEmpty: true);
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var entry in value.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = entry.IndexOf('=');
            if (equals <= 0
                || !double.TryParse(entry.AsSpan(equals + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                || !metrics.TryAdd(entry[..equals], number))
            {
                throw Malformed(name, value, $"the entry \"{entry}\" is not a unique name=number");
            }
        }

        return metrics;
    }
}
