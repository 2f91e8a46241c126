using DiMaskDino.Model.Backbone;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.Assembly;

public sealed class PretrainedBackboneTests
{
    [Fact]
    public async Task Building_does_not_load_weights_and_the_explicit_call_loads_only_the_backbone()
    {
        var weights = await ResNetWeightsImporter.ReadCntkResNet18Async();
        using var scope = NewDisposeScope();
        manual_seed(95);
        using var model = DiMaskDinoBuilder.Build(ModelOptions.Tiny(6));
        var stem = model.Backbone.named_parameters().First(p => p.name == "conv1.weight").parameter;
        var pretrainedStem = tensor(weights.Tensors["conv1.weight"].Values, weights.Tensors["conv1.weight"].Shape);
        Assert.False(allclose(stem, pretrainedStem));
        var decoderSide = model.Decoder.parameters().Select(p => p.clone()).ToList();

        model.LoadPretrainedBackbone(weights);
        Assert.True(allclose(stem, pretrainedStem));
        Assert.All(model.Decoder.parameters().Zip(decoderSide), pair => Assert.True(allclose(pair.First, pair.Second)));
    }
}
