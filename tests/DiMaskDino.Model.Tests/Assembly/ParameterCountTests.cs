using System.Diagnostics;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.Assembly;

/// <summary>model.md §14.2 #18 and a paper-preset forward/backward on the smallest admissible input.</summary>
public sealed class ParameterCountTests(ITestOutputHelper output)
{
    [Fact]
    public void Tiny_c10_parameter_counts_match_the_specification()
    {
        using var model = DiMaskDinoBuilder.Build(ModelOptions.Tiny(10));
        var counts = Counts(model);
        Assert.Equal(1_449_280, counts.PixelDecoder);
        Assert.Equal(1_746_770, counts.DecoderSide);
        Assert.All(model.Decoder.Layers, layer => Assert.Equal(256_320, layer.parameters().Sum(p => p.numel())));
        Assert.Equal(198_272, model.Decoder.Bato!.Update.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void Paper_parameter_counts_match_the_specification()
    {
        using var model = DiMaskDinoBuilder.Build(ModelOptions.Paper());
        var counts = Counts(model);
        Assert.Equal(14_055_424, counts.PixelDecoder);
        Assert.Equal(14_775_896, counts.DecoderSide);
        Assert.Equal(6, model.Decoder.NumLayers);
        Assert.All(model.Decoder.Layers, layer => Assert.Equal(1_545_856, layer.parameters().Sum(p => p.numel())));
        Assert.Equal(1_315_072, model.Decoder.Bato!.Update.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void Paper_model_runs_forward_and_backward_on_the_smallest_admissible_square_image()
    {
        // S = Σ over strides 8, 16, 32, 64 must reach K1 = 600 (§4.4): 160² gives 534, 192² gives 765.
        var side = Enumerable.Range(1, 64).Select(k => 32 * k).First(s => DiMaskDinoModel.DecoderLevelsFor(s, s).TotalTokens >= 600);
        Assert.Equal(192, side);

        using var scope = NewDisposeScope();
        manual_seed(81);
        var options = ModelOptions.Paper();
        using var model = DiMaskDinoBuilder.Build(options);
        var (images, targets) = Scenes.SquareAndDisc(1, side, options.NumClasses);
        using var generator = new Generator(8);
        var watch = Stopwatch.StartNew();
        using var outputs = model.ForwardTraining(images, targets, generator);
        var forward = watch.Elapsed;
        Assert.Equal(new long[] { 1, 300, 80 }, outputs.Main.Logits.shape);
        Assert.Equal(new long[] { 1, 300, 48, 48 }, outputs.Main.Masks!.shape);
        Assert.Equal(6, outputs.Aux.Count);                                          // 7 prediction sets
        Assert.Equal(600, outputs.Interm.Queries);
        Assert.Equal(100, outputs.Dn!.Main.Queries);                                 // 1 GT: 100 groups

        var loss = outputs.Main.Logits.sigmoid().mean() + outputs.Main.Boxes.mean() + outputs.Main.Masks.sigmoid().mean()
                   + outputs.Interm.Masks!.sigmoid().mean() + outputs.DiAux[1].Boxes.mean() + outputs.Dn.Aux[0].Masks!.mean();
        loss.backward();
        output.WriteLine($"paper 1×3×{side}×{side}: forward {forward.TotalSeconds:F2} s, forward+backward {watch.Elapsed.TotalSeconds:F2} s");
        var stem = model.Backbone.named_parameters().First(p => p.name == "conv1.weight").parameter;
        Assert.True(stem.grad is not null && stem.grad.abs().sum().item<float>() > 0);
        Scenes.Dispose(targets);
    }

    private static (long PixelDecoder, long DecoderSide) Counts(DiMaskDinoModel model)
    {
        long total = model.parameters().Sum(p => p.numel());
        long backbone = model.Backbone.parameters().Sum(p => p.numel());
        long pixel = model.PixelDecoder.parameters().Sum(p => p.numel());
        return (pixel, total - backbone - pixel);
    }
}
