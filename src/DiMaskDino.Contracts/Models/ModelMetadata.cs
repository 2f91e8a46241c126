// The self-describing metadata_props an exported DiMaskDino model carries: written by the exporter
// (DiMaskDino.Model's OnnxExporter and CheckpointExporter), read by the inference engine, the training host and the
// control plane. The keys, the value spellings and the rules live here and nowhere else; no side files.

namespace DiMaskDino.Contracts.Models;

/// <summary>One class the model predicts: its dataset category id and name, at logit index <see cref="Index"/>.</summary>
public sealed record ModelClass(int Index, int Id, string Name);

/// <summary>Typed, validated <c>dimaskdino.*</c> metadata_props of an exported inference graph (keys: <see cref="Keys"/>).</summary>
public sealed partial record ModelMetadata
{
    /// <summary>The graph's single input, [batch, 3, H, W] float32, normalised and padded.</summary>
    public const string ImagesInput = "images";
    public const string LogitsOutput = "pred_logits";
    public const string BoxesOutput = "pred_boxes";
    public const string MasksOutput = "pred_masks";

    /// <summary>The inference graph's outputs, in order.</summary>
    public static IReadOnlyList<string> OutputNames { get; } = [LogitsOutput, BoxesOutput, MasksOutput];

    /// <summary>The backbone's total stride: every input canvas is padded to a multiple of it.</summary>
    public const int DefaultSizeDivisibility = 32;

    public required string Graph { get; init; }
    public required string Preset { get; init; }

    /// <summary>The graph's input height (a multiple of 32), or null for a size-dynamic graph (<see cref="Values.Dynamic"/>).</summary>
    public required int? InputHeight { get; init; }

    /// <summary>The graph's input width (a multiple of 32), or null for a size-dynamic graph (<see cref="Values.Dynamic"/>).</summary>
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
    public int SizeDivisibility { get; init; } = DefaultSizeDivisibility;
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

    /// <summary>The score threshold the model recommends for labels (optional key <see cref="Keys.ScoreThreshold"/>), in 0..1.</summary>
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
            $"the model is size-dynamic ({Keys.InputHeight} = {Values.Dynamic}): it has no fixed input size; give each batch's padded size");

    /// <summary>Parses and validates the <c>dimaskdino.*</c> entries of <paramref name="props"/>.</summary>
    /// <param name="modelName">the model file or URI, for error messages</param>
    /// <exception cref="InvalidDataException">a key is missing or malformed; the message names the key, the model and what is wrong</exception>
    public static ModelMetadata Parse(IReadOnlyDictionary<string, string> props, string modelName)
    {
        ArgumentNullException.ThrowIfNull(props);
        var reader = new MetadataReader(props, modelName);
        var graph = reader.Text(Keys.Graph);
        if (graph != Values.InferenceGraph)
        {
            throw reader.Malformed(Keys.Graph, graph, $"expected \"{Values.InferenceGraph}\" (the full graph, not the encoder)");
        }

        var numClasses = reader.Positive(Keys.NumClasses);
        var transform = reader.Transform(Keys.InputTransform);
        int? inputHeight = reader.MultipleOf32OrDynamic(Keys.InputHeight), inputWidth = reader.MultipleOf32OrDynamic(Keys.InputWidth);
        if (inputHeight.HasValue != inputWidth.HasValue)
        {
            var (dynamicSide, fixedSide) = inputHeight is null ? (Keys.InputHeight, Keys.InputWidth) : (Keys.InputWidth, Keys.InputHeight);
            throw reader.Malformed(dynamicSide, Values.Dynamic, $"\"{fixedSide}\" is \"{reader.Text(fixedSide)}\"; both are numbers or both \"{Values.Dynamic}\"");
        }

        if (inputHeight is null && transform == InputTransformKind.Letterbox)
        {
            throw reader.Malformed(Keys.InputHeight, Values.Dynamic, "a letterbox model needs a fixed input size");
        }

        bool resizes = transform == InputTransformKind.ResizeShortestEdge;
        var metadata = new ModelMetadata
        {
            Graph = graph,
            Preset = reader.Text(Keys.Preset),
            InputHeight = inputHeight,
            InputWidth = inputWidth,
            InputTransform = transform,
            ResizeShortEdge = resizes ? reader.Positive(Keys.ResizeShortEdge) : 0,
            ResizeMaxSize = resizes ? reader.Positive(Keys.ResizeMaxSize) : 0,
            SizeDivisibility = reader.Has(Keys.SizeDivisibility) ? reader.MultipleOf32(Keys.SizeDivisibility) : DefaultSizeDivisibility,
            InputLayout = reader.Text(Keys.InputLayout),
            ChannelOrder = reader.Order(Keys.ChannelOrder),
            Mean = reader.Triple(Keys.Mean, positive: false),
            Std = reader.Triple(Keys.Std, positive: true),
            HiddenDim = reader.Positive(Keys.HiddenDim),
            NumClasses = numClasses,
            NumQueries = reader.Positive(Keys.NumQueries),
            Backbone = reader.Text(Keys.Backbone),
            WeightsDtype = reader.Text(Keys.WeightsDtype),
            DeImbalance = reader.Flag(Keys.DeImbalance),
            Bato = reader.Flag(Keys.Bato),
            Classes = reader.Classes(Keys.Classes, numClasses),
            TrainingData = reader.Text(Keys.TrainingData, allowEmpty: true),
            Metrics = reader.Metrics(Keys.Metrics),
            Checkpoint = reader.Text(Keys.Checkpoint, allowEmpty: true),
            ExporterVersion = reader.Text(Keys.ExporterVersion, allowEmpty: true),
            RecommendedScoreThreshold = reader.OptionalFraction(Keys.ScoreThreshold),
        };
        if (resizes && metadata.ResizeMaxSize < metadata.ResizeShortEdge)
        {
            throw reader.Malformed(Keys.ResizeMaxSize, reader.Text(Keys.ResizeMaxSize), $"smaller than {Keys.ResizeShortEdge} {metadata.ResizeShortEdge}");
        }

        if (inputHeight is { } h && inputWidth is { } w && (h % metadata.SizeDivisibility != 0 || w % metadata.SizeDivisibility != 0))
        {
            throw reader.Malformed(Keys.InputHeight, reader.Text(Keys.InputHeight), $"the input size {inputHeight}x{inputWidth} is not a multiple of the size divisibility {metadata.SizeDivisibility}");
        }

        return metadata;
    }

    /// <summary>Every key of this metadata as the exporter writes it; <see cref="Parse"/> reads it back equal.</summary>
    public Dictionary<string, string> ToProperties()
    {
        var props = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [Keys.Graph] = Graph,
            [Keys.Preset] = Preset,
            [Keys.InputTransform] = Values.Transform(InputTransform),
            [Keys.SizeDivisibility] = Values.Integer(SizeDivisibility),
            [Keys.InputHeight] = Values.Size(InputHeight),
            [Keys.InputWidth] = Values.Size(InputWidth),
            [Keys.InputLayout] = InputLayout,
            [Keys.ChannelOrder] = ChannelOrder.ToString(),
            [Keys.Mean] = Values.Numbers(Mean),
            [Keys.Std] = Values.Numbers(Std),
            [Keys.HiddenDim] = Values.Integer(HiddenDim),
            [Keys.NumClasses] = Values.Integer(NumClasses),
            [Keys.NumQueries] = Values.Integer(NumQueries),
            [Keys.Backbone] = Backbone,
            [Keys.WeightsDtype] = WeightsDtype,
            [Keys.DeImbalance] = Values.Flag(DeImbalance),
            [Keys.Bato] = Values.Flag(Bato),
        };
        if (InputTransform == InputTransformKind.ResizeShortestEdge)
        {
            props[Keys.ResizeShortEdge] = Values.Integer(ResizeShortEdge);
            props[Keys.ResizeMaxSize] = Values.Integer(ResizeMaxSize);
        }

        foreach (var (key, value) in CheckpointProperties(Classes.Select(c => (c.Id, c.Name)), TrainingData, Metrics, Checkpoint, ExporterVersion))
        {
            props[key] = value;
        }

        if (RecommendedScoreThreshold is { } threshold)
        {
            props[Keys.ScoreThreshold] = Values.Number(threshold);
        }

        return props;
    }

    /// <summary>
    /// The keys a checkpoint adds to the exporter's graph metadata (what the graph cannot know): classes in logit order,
    /// training data, evaluation metrics and provenance.
    /// </summary>
    public static Dictionary<string, string> CheckpointProperties(
        IEnumerable<(int Id, string Name)> classes, string trainingData, IEnumerable<KeyValuePair<string, double>> metrics, string checkpoint, string exporterVersion) =>
        new(StringComparer.Ordinal)
        {
            [Keys.Classes] = Values.Classes(classes),
            [Keys.TrainingData] = trainingData,
            [Keys.Metrics] = Values.Metrics(metrics),
            [Keys.Checkpoint] = checkpoint,
            [Keys.ExporterVersion] = exporterVersion,
        };
}
