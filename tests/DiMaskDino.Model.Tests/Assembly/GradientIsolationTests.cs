using DiMaskDino.Model.Losses;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.Assembly;

/// <summary>model.md §14.2 #15 (and the gradient paths of §5.5 and §6.3).</summary>
public sealed class GradientIsolationTests
{
    private const int C = 6;

    [Fact]
    public void Outputs_before_bato_give_no_gradient_to_bato_and_outputs_after_it_do()
    {
        using var scope = NewDisposeScope();
        manual_seed(71);
        using var model = DiMaskDinoBuilder.Build(ModelOptions.Tiny(C));
        var (images, targets) = Scenes.SquareAndDisc(1, 96, C);
        using var generator = new Generator(2);
        var update = model.Decoder.Bato!.Update.parameters().ToList();
        var fusion = model.Decoder.Bato.FusionConv.parameters().ToList();

        using (var outputs = model.ForwardTraining(images, targets, generator))
        {
            // Interm, initial prediction (aux 0), decoder layer 0 (aux 1), DI aux, and the DN parts of aux 0 and 1.
            var early = new[] { outputs.Interm, outputs.Aux[0], outputs.Aux[1], outputs.Dn!.Aux[0], outputs.Dn.Aux[1] }.Concat(outputs.DiAux);
            Sum(early).backward();
            Assert.Equal(0, GradientMass(update));
            Assert.Equal(0, GradientMass(fusion));
            Assert.True(GradientMass(model.Decoder.Layers[0].parameters()) > 0);
        }

        model.zero_grad();
        using (var outputs = model.ForwardTraining(images, targets, generator))
        {
            Sum([outputs.Aux[2]]).backward();                                         // decoder layer 1
            Assert.True(GradientMass(update) > 0);
            Assert.True(GradientMass(fusion) > 0);
        }

        model.zero_grad();
        using (var outputs = model.ForwardTraining(images, targets, generator))
        {
            Sum([outputs.Main]).backward();                                           // last layer, through BATO too
            Assert.True(GradientMass(update) > 0);
            Assert.True(GradientMass(model.Backbone.parameters()) > 0);
        }

        Scenes.Dispose(targets);
    }

    [Fact]
    public void Di_aux_losses_reach_the_di_module_but_not_backbone_pixel_decoder_or_encoder_head()
    {
        using var scope = NewDisposeScope();
        manual_seed(72);
        using var model = DiMaskDinoBuilder.Build(ModelOptions.Tiny(C));
        var (images, targets) = Scenes.SquareAndDisc(1, 96, C);
        using var generator = new Generator(2);
        using var outputs = model.ForwardTraining(images, targets, generator);

        Sum(outputs.DiAux).backward();
        Assert.Equal(0, GradientMass(model.Backbone.parameters()));
        Assert.Equal(0, GradientMass(model.PixelDecoder.parameters()));              // includes mask_features
        Assert.Equal(0, GradientMass(model.EncoderHead.parameters()));
        Assert.True(GradientMass(model.DeImbalance!.parameters()) > 0);
        Assert.True(GradientMass(model.Heads.parameters()) > 0);                      // class_embed, LN_dec
        Scenes.Dispose(targets);
    }

    private static Tensor Sum(IEnumerable<PredictionSet> sets)
    {
        var total = zeros(1);
        foreach (var set in sets)
        {
            total = total + set.Logits.sigmoid().mean() + set.Boxes.mean();
            if (set.Masks is not null)
            {
                total = total + set.Masks.sigmoid().mean();
            }
        }

        return total.sum();
    }

    private static double GradientMass(IEnumerable<Parameter> parameters) =>
        parameters.Sum(p => p.grad is null ? 0.0 : p.grad.abs().sum().item<float>());
}
