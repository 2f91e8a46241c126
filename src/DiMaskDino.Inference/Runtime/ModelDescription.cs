// The self-describing metadata_props an exported DiMaskDino model carries (written by OnnxExporter.AddMetadata and
// the training export command); the inference side reads everything from here, no side files.

using System.Globalization;
using System.Text.Json;
using DiMaskDino.Inference.Images;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace DiMaskDino.Inference.Runtime;

/// <summary>One class the model predicts: its dataset category id and name, at logit index <see cref="Index"/>.</summary>
public sealed record ModelClass(int Index, int Id, string Name);

/// <summary>Typed, validated <c>dimaskdino.*</c> metadata_props of an exported inference graph.</summary>
public sealed record ModelDescription
{
    public const string Prefix = "dimaskdino.";

    /// <summary>The optional metadata key (after <see cref="Prefix"/>) of <see cref="RecommendedScoreThreshold"/>.</summary>
    public const string ScoreThresholdKey = "score_threshold";
    public const string ImagesInput = "images";
    public const string LogitsOutput = "pred_logits";
    public const string BoxesOutput = "pred_boxes";
    public const string MasksOutput = "pred_masks";

    /// <summary>Output names in the order <see cref="ModelSession.Run"/> requests them.</summary>
    public static IReadOnlyList<string> OutputNames { get; } = [LogitsOutput, BoxesOutput, MasksOutput];

    /// <summary>Metadata value of <c>input_height</c>/<c>input_width</c> for a size-dynamic graph.</summary>
    public const string DynamicSize = "dynamic";

    public required string Graph { get; init; }
    public required string Preset { get; init; }

    /// <summary>The graph's input height (a multiple of 32), or null for a size-dynamic graph (<c>dynamic</c>).</summary>
    public required int? InputHeight { get; init; }

    /// <summary>The graph's input width (a multiple of 32), or null for a size-dynamic graph (<c>dynamic</c>).</summary>
    public required int? InputWidth { get; init; }

    /// <summary>
    /// True when the graph takes any /32 input size (<c>dimaskdino.input_height</c> and <c>input_width</c> are
    /// <c>dynamic</c>; <c>images</c> [batch, 3, height, width], <c>pred_masks</c> [batch, Q, height/4, width/4]).
    /// </summary>
    public bool IsSizeDynamic => InputHeight is null;

    /// <summary>How images become the input: absent in the metadata means <see cref="InputTransformKind.Letterbox"/> (older files).</summary>
    public InputTransformKind InputTransform { get; init; }

    /// <summary>Short side of <see cref="InputTransformKind.ResizeShortestEdge"/> (e.g. 800); 0 for the letterbox.</summary>
    public int ResizeShortEdge { get; init; }

    /// <summary>Longest side of <see cref="InputTransformKind.ResizeShortestEdge"/> (e.g. 1333); 0 for the letterbox.</summary>
    public int ResizeMaxSize { get; init; }

    /// <summary>The input canvas is padded to multiples of this (32: the backbone's total stride).</summary>
    public int SizeDivisibility { get; init; } = ResizeShortestEdge.DefaultSizeDivisibility;
    public required string InputLayout { get; init; }
    public required ChannelOrder ChannelOrder { get; init; }

    /// <summary>Per-channel mean, in <see cref="ChannelOrder"/>, 0–255 scale as the exporter wrote it.</summary>
    public required IReadOnlyList<float> Mean { get; init; }

    /// <summary>Per-channel standard deviation, in <see cref="ChannelOrder"/>.</summary>
    public required IReadOnlyList<float> Std { get; init; }

    public required int HiddenDim { get; init; }
    public required int NumClasses { get; init; }
    public required int NumQueries { get; init; }
    public required string Backbone { get; init; }
    public required string WeightsDtype { get; init; }
    public required bool DeImbalance { get; init; }
    public required bool Bato { get; init; }

    /// <summary>Classes in logit order (<c>Classes[i].Index == i</c>); ids are unique.</summary>
    public required IReadOnlyList<ModelClass> Classes { get; init; }

    public required string TrainingData { get; init; }

    /// <summary>Evaluation summary, name → value (e.g. <c>segm_AP</c>).</summary>
    public required IReadOnlyDictionary<string, double> Metrics { get; init; }

    public required string Checkpoint { get; init; }
    public required string ExporterVersion { get; init; }

    /// <summary>The score threshold the model recommends for labels (optional key <c>dimaskdino.score_threshold</c>), in 0..1.</summary>
    public double? RecommendedScoreThreshold { get; init; }

    /// <summary>Mask output size: the input size / 4 (null for a size-dynamic graph).</summary>
    public int? MaskHeight => InputHeight / 4;

    /// <inheritdoc cref="MaskHeight"/>
    public int? MaskWidth => InputWidth / 4;

    /// <summary>The fixed input size, for callers that feed every image at the graph's one size.</summary>
    /// <exception cref="InvalidOperationException">the graph is size-dynamic: the caller must choose each batch's padded size</exception>
    public (int Height, int Width) FixedInputSize() => InputHeight is { } height && InputWidth is { } width
        ? (height, width)
        : throw new InvalidOperationException(
            $"the model is size-dynamic ({Prefix}input_height = {DynamicSize}): it has no fixed input size; give each batch's padded size");


    /// <summary>Reads the metadata of <paramref name="session"/> and checks the graph's inputs and outputs agree with it.</summary>
    /// <param name="modelName">the model file or URI, for error messages</param>
    /// <exception cref="InvalidDataException">a key is missing or malformed, or the graph disagrees</exception>
    public static ModelDescription FromSession(InferenceSession session, string modelName)
    {
        ArgumentNullException.ThrowIfNull(session);
        var metadata = Parse(session.ModelMetadata.CustomMetadataMap, modelName);
        metadata.ValidateGraph(session.InputMetadata, session.OutputMetadata, modelName);
        return metadata;
    }

    /// <summary>Parses and validates the <c>dimaskdino.*</c> entries of <paramref name="props"/>.</summary>
    /// <exception cref="InvalidDataException">a key is missing or malformed; the message names the key and model</exception>
    public static ModelDescription Parse(IReadOnlyDictionary<string, string> props, string modelName)
    {
        ArgumentNullException.ThrowIfNull(props);
        var reader = new Reader(props, modelName);
        var graph = reader.Text("graph");
        if (graph != "inference")
        {
            throw reader.Malformed("graph", graph, "expected \"inference\" (the full graph, not the encoder)");
        }

        var numClasses = reader.Positive("num_classes");
        var transform = reader.Transform("input_transform");
        int? inputHeight = reader.MultipleOf32OrDynamic("input_height"), inputWidth = reader.MultipleOf32OrDynamic("input_width");
        if (inputHeight.HasValue != inputWidth.HasValue)
        {
            var (dynamicSide, fixedSide) = inputHeight is null ? ("input_height", "input_width") : ("input_width", "input_height");
            throw reader.Malformed(dynamicSide, DynamicSize, $"\"{Prefix}{fixedSide}\" is \"{reader.Text(fixedSide)}\"; both are numbers or both \"{DynamicSize}\"");
        }

        if (inputHeight is null && transform == InputTransformKind.Letterbox)
        {
            throw reader.Malformed("input_height", DynamicSize, "a letterbox model needs a fixed input size");
        }

        bool resizes = transform == InputTransformKind.ResizeShortestEdge;
        var metadata = new ModelDescription
        {
            Graph = graph,
            Preset = reader.Text("preset"),
            InputHeight = inputHeight,
            InputWidth = inputWidth,
            InputTransform = transform,
            ResizeShortEdge = resizes ? reader.Positive("resize_short_edge") : 0,
            ResizeMaxSize = resizes ? reader.Positive("resize_max_size") : 0,
            SizeDivisibility = reader.Has("size_divisibility") ? reader.MultipleOf32("size_divisibility") : ResizeShortestEdge.DefaultSizeDivisibility,
            InputLayout = reader.Text("input_layout"),
            ChannelOrder = reader.Order("channel_order"),
            Mean = reader.Triple("mean", positive: false),
            Std = reader.Triple("std", positive: true),
            HiddenDim = reader.Positive("hidden_dim"),
            NumClasses = numClasses,
            NumQueries = reader.Positive("num_queries"),
            Backbone = reader.Text("backbone"),
            WeightsDtype = reader.Text("weights_dtype"),
            DeImbalance = reader.Flag("deimbalance"),
            Bato = reader.Flag("bato"),
            Classes = reader.Classes("classes", numClasses),
            TrainingData = reader.Text("training_data", allowEmpty: true),
            Metrics = reader.Metrics("metrics"),
            Checkpoint = reader.Text("checkpoint", allowEmpty: true),
            ExporterVersion = reader.Text("exporter_version", allowEmpty: true),
            RecommendedScoreThreshold = reader.OptionalFraction(ScoreThresholdKey),
        };
        if (resizes && metadata.ResizeMaxSize < metadata.ResizeShortEdge)
        {
            throw reader.Malformed("resize_max_size", reader.Text("resize_max_size"), $"smaller than {Prefix}resize_short_edge {metadata.ResizeShortEdge}");
        }

        if (inputHeight is { } h && inputWidth is { } w && (h % metadata.SizeDivisibility != 0 || w % metadata.SizeDivisibility != 0))
        {
            throw reader.Malformed("input_height", reader.Text("input_height"), $"the input size {inputHeight}x{inputWidth} is not a multiple of the size divisibility {metadata.SizeDivisibility}");
        }

        return metadata;
    }

    /// <summary>
    /// Checks <c>images</c> [batch, 3, H, W] and the three outputs have the names, types and shapes the metadata implies;
    /// in a size-dynamic graph H, W and the mask size must be symbolic.
    /// </summary>
    internal void ValidateGraph(IReadOnlyDictionary<string, NodeMetadata> inputs, IReadOnlyDictionary<string, NodeMetadata> outputs, string modelName)
    {
        if (inputs.Count != 1 || !inputs.ContainsKey(ImagesInput))
        {
            throw new InvalidDataException($"{modelName}: the graph must have the single input \"{ImagesInput}\", it has [{string.Join(", ", inputs.Keys)}]");
        }

        Check(inputs, ImagesInput, [3, InputHeight, InputWidth], "input");
        Check(outputs, LogitsOutput, [NumQueries, NumClasses], "output");
        Check(outputs, BoxesOutput, [NumQueries, 4], "output");
        Check(outputs, MasksOutput, [NumQueries, MaskHeight, MaskWidth], "output");

        // A null expected size is a symbolic dimension (ORT reports it as -1).
        void Check(IReadOnlyDictionary<string, NodeMetadata> nodes, string name, int?[] expected, string kind)
        {
            if (!nodes.TryGetValue(name, out var node))
            {
                throw new InvalidDataException($"{modelName}: the graph has no {kind} \"{name}\" (it has [{string.Join(", ", nodes.Keys)}])");
            }

            var dims = node.IsTensor ? node.Dimensions : [];
            // Dimension 0 is the dynamic batch (-1); the rest must equal what the metadata implies.
            var agrees = node.IsTensor && node.ElementDataType == TensorElementType.Float
                && dims.Length == expected.Length + 1 && dims[0] <= 0
                && dims.Skip(1).Zip(expected).All(d => d.Second is { } size ? d.First == size : d.First <= 0);
            if (!agrees)
            {
                throw new InvalidDataException(
                    $"{modelName}: {kind} \"{name}\" is {node.ElementDataType} [{string.Join(", ", dims)}], but the metadata implies float32 [batch, {string.Join(", ", expected.Select(e => e?.ToString(CultureInfo.InvariantCulture) ?? DynamicSize))}]");
            }
        }
    }

    private sealed class Reader(IReadOnlyDictionary<string, string> props, string modelName)
    {
        public bool Has(string name) => props.ContainsKey(Prefix + name);

        public string Text(string name, bool allowEmpty = false)
        {
            if (!props.TryGetValue(Prefix + name, out var value))
            {
                throw new InvalidDataException($"{modelName}: metadata key \"{Prefix}{name}\" is missing; was the model exported by dimaskdino-train export?");
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
            return new InvalidDataException($"{modelName}: metadata key \"{Prefix}{name}\" is malformed ({why}): \"{shown}\"", inner);
        }

        public double? OptionalFraction(string name)
        {
            if (!props.TryGetValue(Prefix + name, out var value))
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

        /// <summary>A positive multiple of 32, or null for <see cref="DynamicSize"/>.</summary>
        public int? MultipleOf32OrDynamic(string name) => Text(name) == DynamicSize ? null : MultipleOf32(name);

        /// <summary><c>letterbox</c> or <c>resize_shortest_edge</c>; absent means letterbox (files older than the key).</summary>
        public InputTransformKind Transform(string name) => !Has(name) ? InputTransformKind.Letterbox : Text(name) switch
        {
            "letterbox" => InputTransformKind.Letterbox,
            "resize_shortest_edge" => InputTransformKind.ResizeShortestEdge,
            var other => throw Malformed(name, other, "expected letterbox or resize_shortest_edge"),
        };

        public bool Flag(string name) => Text(name) switch
        {
            "true" => true,
            "false" => false,
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
                throw Malformed(name, value, $"{pairs.Length} classes, but {Prefix}num_classes is {numClasses}");
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
}
