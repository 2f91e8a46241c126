// The official YAML configurations (copied under Configs/) map to the presets, _BASE_ chains resolve relative to each
// file, and keys that may change the model but are not mapped are errors naming the key.

using DiMaskDino.Model.Import;

namespace DiMaskDino.Model.Tests.Import;

public sealed class DetectronConfigTests : IDisposable
{
    private static readonly string Configs = Path.Combine(AppContext.BaseDirectory, "Import", "Configs");
    private readonly string _folder = Directory.CreateTempSubdirectory("dimaskdino-config-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData("dimaskdino/dimaskdino_r50_4scale_bs16_12ep.yaml", OfficialPresets.DiMaskDinoR50Coco)]
    [InlineData("dimaskdino/dimaskdino_r50_4scale_bs16_50ep.yaml", OfficialPresets.DiMaskDinoR50Coco)]
    [InlineData("maskdino/maskdino_R50_bs16_50ep_3s.yaml", OfficialPresets.MaskDinoR50Coco3s)]
    [InlineData("maskdino/maskdino_R50_bs16_50ep_3s_dowsample1_2048.yaml", OfficialPresets.MaskDinoR50Coco3sDownsample1)]
    public void Official_configurations_map_to_their_preset(string file, string preset)
    {
        var options = DetectronConfigOptions.From(DetectronConfig.Load(Path.Combine(Configs, file)));

        Assert.Equal(preset, options.PresetName);
        var expected = OfficialPresets.For(preset);
        Assert.Equal(
            (expected.FeatureLevels, expected.FeatureOrder, expected.BoxInitialization, expected.EncoderFeedForward, expected.FeedForwardDim, expected.DecoderLayers, expected.DeImbalance),
            (options.FeatureLevels, options.FeatureOrder, options.BoxInitialization, options.EncoderFeedForward, options.FeedForwardDim, options.DecoderLayers, options.DeImbalance));
        Assert.Same(Backbone.PixelNormalization.TorchvisionImageNet, options.Normalization);
    }

    [Fact]
    public void The_3s_configuration_reads_maskdino_defaults_for_what_it_leaves_out()
    {
        var options = DetectronConfigOptions.From(DetectronConfig.Load(Path.Combine(Configs, "maskdino/maskdino_R50_bs16_50ep_3s.yaml")));

        Assert.Equal((3, FeatureOrder.HighToLow, BoxInitialization.Bitmask, 1024, 2048, 9, 300),
            (options.FeatureLevels, options.FeatureOrder, options.BoxInitialization, options.EncoderFeedForward, options.FeedForwardDim, options.DecoderLayers, options.NumQueries));
        Assert.False(options.DeImbalance || options.Bato);
    }

    [Fact]
    public void A_fine_tuned_configuration_with_other_classes_and_box_type_imports()
    {
        var file = Write("finetuned.yaml", $$"""
            _BASE_: {{Path.Combine(Configs, "maskdino", "maskdino_R50_bs16_50ep_3s_dowsample1_2048.yaml")}}
            MODEL:
              SEM_SEG_HEAD: {NUM_CLASSES: 3}
              MaskDINO: {INITIALIZE_BOX_TYPE: "no", NUM_OBJECT_QUERIES: 100}
            INPUT: {MIN_SIZE_TEST: 640, MAX_SIZE_TEST: 1024}
            """);

        var options = DetectronConfigOptions.From(DetectronConfig.Load(file));

        Assert.Equal((3, BoxInitialization.EncoderBoxes, 100, 640, 1024), (options.NumClasses, options.BoxInitialization, options.NumQueries, options.ResizeShortEdge, options.ResizeMaxSize));
        Assert.Equal("finetuned", options.PresetName);
    }

    [Fact]
    public void An_unknown_key_is_an_error_naming_it()
    {
        var file = Write("unknown.yaml", """
            _BASE_: base/b.yaml
            MODEL:
              MaskDINO: {FANCY_NEW_THING: 1}
            """);
        Write(Path.Combine("base", "b.yaml"), File.ReadAllText(Path.Combine(Configs, "maskdino", "Base-COCO-InstanceSegmentation.yaml")));

        var error = Assert.Throws<OfficialCheckpointException>(() => DetectronConfigOptions.From(DetectronConfig.Load(file)));

        Assert.Equal($"{file}: unknown key that may change the model: MODEL.MaskDINO.FANCY_NEW_THING", error.Message);
    }

    [Fact]
    public void A_value_the_network_does_not_implement_is_an_error_naming_the_key()
    {
        var file = Write("stride.yaml", $$"""
            _BASE_: {{Path.Combine(Configs, "dimaskdino", "dimaskdino_r50_4scale_bs16_12ep.yaml")}}
            MODEL:
              RESNETS: {STRIDE_IN_1X1: True}
            """);

        var error = Assert.Throws<OfficialCheckpointException>(() => DetectronConfigOptions.From(DetectronConfig.Load(file)));

        Assert.Contains("MODEL.RESNETS.STRIDE_IN_1X1: True is not supported", error.Message);
    }

    [Fact]
    public void A_missing_base_is_an_error_naming_it()
    {
        var file = Write("orphan.yaml", "_BASE_: nowhere.yaml\n");
        var error = Assert.Throws<OfficialCheckpointException>(() => DetectronConfig.Load(file));
        Assert.Equal($"{Path.Combine(_folder, "nowhere.yaml")}: configuration file not found", error.Message);
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }
}
