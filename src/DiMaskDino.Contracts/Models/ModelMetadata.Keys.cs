using System.Globalization;
using System.Text.Json;

namespace DiMaskDino.Contracts.Models;

public sealed partial record ModelMetadata
{
    /// <summary>The metadata_props keys, in full (prefix included).</summary>
    public static class Keys
    {
        public const string Prefix = "dimaskdino.";

        /// <summary><see cref="Values.InferenceGraph"/> or <see cref="Values.EncoderGraph"/>.</summary>
        public const string Graph = Prefix + "graph";
        public const string Preset = Prefix + "preset";

        /// <summary><see cref="Values.Letterbox"/> or <see cref="Values.ResizeShortestEdge"/>; absent in files older than the key.</summary>
        public const string InputTransform = Prefix + "input_transform";
        public const string ResizeShortEdge = Prefix + "resize_short_edge";
        public const string ResizeMaxSize = Prefix + "resize_max_size";
        public const string SizeDivisibility = Prefix + "size_divisibility";

        /// <summary>A multiple of 32, or <see cref="Values.Dynamic"/>.</summary>
        public const string InputHeight = Prefix + "input_height";

        /// <inheritdoc cref="InputHeight"/>
        public const string InputWidth = Prefix + "input_width";
        public const string InputLayout = Prefix + "input_layout";
        public const string ChannelOrder = Prefix + "channel_order";

        /// <summary>Three comma-separated numbers.</summary>
        public const string Mean = Prefix + "mean";

        /// <inheritdoc cref="Mean"/>
        public const string Std = Prefix + "std";
        public const string HiddenDim = Prefix + "hidden_dim";
        public const string NumClasses = Prefix + "num_classes";
        public const string NumQueries = Prefix + "num_queries";
        public const string Backbone = Prefix + "backbone";

        /// <summary><c>float32</c>, <c>float16</c> or <c>int8</c>.</summary>
        public const string WeightsDtype = Prefix + "weights_dtype";
        public const string DeImbalance = Prefix + "deimbalance";
        public const string Bato = Prefix + "bato";

        /// <summary>JSON array of <c>["id", "name"]</c> pairs, one per logit, in logit order.</summary>
        public const string Classes = Prefix + "classes";
        public const string TrainingData = Prefix + "training_data";

        /// <summary><c>name=value;name=value</c> (R-formatted doubles); empty means no metrics.</summary>
        public const string Metrics = Prefix + "metrics";
        public const string Checkpoint = Prefix + "checkpoint";
        public const string ExporterVersion = Prefix + "exporter_version";

        /// <summary>Optional: the score threshold the model recommends for labels, in 0..1.</summary>
        public const string ScoreThreshold = Prefix + "score_threshold";
    }

    /// <summary>How values are spelled: what the exporter writes and <see cref="Parse"/> reads.</summary>
    public static class Values
    {
        public const string InferenceGraph = "inference";
        public const string EncoderGraph = "encoder";

        /// <summary>The value of <see cref="Keys.InputHeight"/> / <see cref="Keys.InputWidth"/> in a size-dynamic graph.</summary>
        public const string Dynamic = "dynamic";
        public const string Letterbox = "letterbox";
        public const string ResizeShortestEdge = "resize_shortest_edge";
        public const string True = "true";
        public const string False = "false";

        public static string Integer(int value) => value.ToString(CultureInfo.InvariantCulture);

        public static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

        /// <summary>An input side, or <see cref="Dynamic"/> for null.</summary>
        public static string Size(int? side) => side is { } n ? Integer(n) : Dynamic;

        public static string Flag(bool value) => value ? True : False;

        public static string Transform(InputTransformKind kind) => kind switch
        {
            InputTransformKind.Letterbox => Letterbox,
            InputTransformKind.ResizeShortestEdge => ResizeShortestEdge,
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown input transform"),
        };

        /// <summary>Comma-separated, R-formatted (a mean or std).</summary>
        public static string Numbers(IEnumerable<float> values) =>
            string.Join(",", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));

        public static string Classes(IEnumerable<(int Id, string Name)> classes) =>
            JsonSerializer.Serialize(classes.Select(c => new[] { Integer(c.Id), c.Name }));

        public static string Metrics(IEnumerable<KeyValuePair<string, double>> metrics) =>
            string.Join(";", metrics.Select(m => $"{m.Key}={Number(m.Value)}"));
    }
}
