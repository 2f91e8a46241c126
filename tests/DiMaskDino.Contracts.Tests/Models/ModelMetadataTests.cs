using DiMaskDino.Contracts.Models;
using Keys = DiMaskDino.Contracts.Models.ModelMetadata.Keys;

namespace DiMaskDino.Contracts.Tests.Models;

/// <summary>The model contract: what the exporter writes is what <see cref="ModelMetadata.Parse"/> reads, and every broken key is named.</summary>
public sealed class ModelMetadataTests
{
    public static TheoryData<string> RequiredKeys =>
    [
        Keys.Graph, Keys.Preset, Keys.InputHeight, Keys.InputWidth, Keys.InputLayout, Keys.ChannelOrder, Keys.Mean, Keys.Std,
        Keys.HiddenDim, Keys.NumClasses, Keys.NumQueries, Keys.Backbone, Keys.WeightsDtype, Keys.DeImbalance, Keys.Bato,
        Keys.Classes, Keys.TrainingData, Keys.Metrics, Keys.Checkpoint, Keys.ExporterVersion,
    ];

    [Fact]
    public async Task Writing_a_real_export_s_metadata_spells_every_key_as_the_exporter_did()
    {
        var props = await BundledModel.PropsAsync();

        var written = ModelMetadata.Parse(props, "tiny-shapes.onnx").ToProperties();

        Assert.All(props, p => Assert.Equal(p.Value, written[p.Key]));
        Assert.Equal(3, ModelMetadata.Parse(props, "tiny-shapes.onnx").Mean.Count);
    }

    [Fact]
    public async Task A_size_dynamic_resizing_model_with_a_threshold_round_trips()
    {
        var metadata = ModelMetadata.Parse(await BundledModel.PropsAsync(), "tiny-shapes.onnx") with
        {
            InputTransform = InputTransformKind.ResizeShortestEdge,
            ResizeShortEdge = 800,
            ResizeMaxSize = 1333,
            InputHeight = null,
            InputWidth = null,
            RecommendedScoreThreshold = 0.35,
            Metrics = new Dictionary<string, double> { ["segm_AP"] = 0.125, ["bbox_AP"] = 1.0 / 3 },
        };

        var read = ModelMetadata.Parse(metadata.ToProperties(), "m.onnx");

        Assert.Equal(metadata.ToProperties(), read.ToProperties());
        Assert.True(read.IsSizeDynamic);
        Assert.Equal((InputTransformKind.ResizeShortestEdge, 800, 1333, 0.35), (read.InputTransform, read.ResizeShortEdge, read.ResizeMaxSize, read.RecommendedScoreThreshold));
        Assert.Equal(1.0 / 3, read.Metrics["bbox_AP"]);
        Assert.Equal(metadata.Classes, read.Classes);
    }

    [Theory]
    [MemberData(nameof(RequiredKeys))]
    public async Task A_missing_key_fails_naming_the_key_and_the_model(string key)
    {
        var props = await BundledModel.PropsAsync();
        props.Remove(key);

        var error = Assert.Throws<InvalidDataException>(() => ModelMetadata.Parse(props, "models/m.onnx"));

        Assert.Equal($"models/m.onnx: metadata key \"{key}\" is missing; was the model exported by dimaskdino-train export?", error.Message);
    }

    [Theory]
    [InlineData(Keys.Graph, "encoder", "expected \"inference\"")]
    [InlineData(Keys.Preset, " ", "it is empty")]
    [InlineData(Keys.NumQueries, "-3", "expected a positive integer")]
    [InlineData(Keys.InputHeight, "100", "expected a multiple of 32")]
    [InlineData(Keys.InputHeight, "dynamic", "both are numbers or both \"dynamic\"")]
    [InlineData(Keys.SizeDivisibility, "16", "expected a multiple of 32")]
    [InlineData(Keys.InputTransform, "resize", "expected letterbox or resize_shortest_edge")]
    [InlineData(Keys.ChannelOrder, "Rgba", "expected one of Rgb, Bgr")]
    [InlineData(Keys.Mean, "1,2", "expected three comma-separated numbers")]
    [InlineData(Keys.Std, "1,0,1", "expected three positive numbers")]
    [InlineData(Keys.Bato, "yes", "expected true or false")]
    [InlineData(Keys.Classes, "person,car", "expected a JSON array of [\"id\", \"name\"] pairs")]
    [InlineData(Keys.Classes, "[[\"1\",\"a\"]]", "1 classes, but dimaskdino.num_classes is")]
    [InlineData(Keys.Metrics, "segm_AP", "is not a unique name=number")]
    [InlineData(Keys.ScoreThreshold, "1.5", "expected a number within 0..1")]
    public async Task A_malformed_value_fails_naming_the_key_and_what_is_wrong(string key, string value, string why)
    {
        var props = await BundledModel.PropsAsync();
        props[key] = value;

        var error = Assert.Throws<InvalidDataException>(() => ModelMetadata.Parse(props, "models/m.onnx"));

        Assert.StartsWith($"models/m.onnx: metadata key \"", error.Message, StringComparison.Ordinal);
        Assert.Contains($"\"{key}\" is malformed", error.Message, StringComparison.Ordinal);
        Assert.Contains(why, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Duplicate_class_ids_fail_naming_the_id()
    {
        var props = await BundledModel.PropsAsync();
        var metadata = ModelMetadata.Parse(props, "m.onnx");
        props[Keys.Classes] = ModelMetadata.Values.Classes(metadata.Classes.Select(c => (metadata.Classes[0].Id, c.Name)));

        var error = Assert.Throws<InvalidDataException>(() => ModelMetadata.Parse(props, "m.onnx"));

        Assert.Contains($"the id {metadata.Classes[0].Id} appears more than once", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_resize_whose_longest_side_is_below_its_short_side_fails()
    {
        var props = await BundledModel.PropsAsync();
        props[Keys.InputTransform] = ModelMetadata.Values.ResizeShortestEdge;
        props[Keys.ResizeShortEdge] = "800";
        props[Keys.ResizeMaxSize] = "640";

        var error = Assert.Throws<InvalidDataException>(() => ModelMetadata.Parse(props, "m.onnx"));

        Assert.Contains($"\"{Keys.ResizeMaxSize}\" is malformed (smaller than {Keys.ResizeShortEdge} 800)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dynamic_letterbox_model_is_refused()
    {
        var props = await BundledModel.PropsAsync();
        props[Keys.InputHeight] = ModelMetadata.Values.Dynamic;
        props[Keys.InputWidth] = ModelMetadata.Values.Dynamic;
        props.Remove(Keys.InputTransform);

        var error = Assert.Throws<InvalidDataException>(() => ModelMetadata.Parse(props, "m.onnx"));

        Assert.Contains("a letterbox model needs a fixed input size", error.Message, StringComparison.Ordinal);
    }
}
