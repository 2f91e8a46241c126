// Turns ModelOptions into a DiMaskDinoModel (style.md: construction apart from definition). Every module receives
// plain numbers. The DI and BATO switches decide whether their modules exist at all (model.md §5.6, §6.5): switched
// off, they have no parameters. Loading the pretrained backbone is a separate, explicit call on the model.

using DiMaskDino.Model.Backbone;
using DiMaskDino.Model.Bato;
using DiMaskDino.Model.Decoder;
using DiMaskDino.Model.DeImbalance;
using DiMaskDino.Model.Denoising;
using DiMaskDino.Model.Heads;
using DiMaskDino.Model.PixelDecoder;
using DiMaskDino.Model.Query;

namespace DiMaskDino.Model;

public static class DiMaskDinoBuilder
{
    /// <summary>Validates <paramref name="options"/> and builds a freshly initialised model (backbone not pretrained).</summary>
    public static DiMaskDinoModel Build(ModelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        int d = options.HiddenDim;

        var backbone = new ResNet(options.Backbone);
        var pixelDecoder = MaskDinoPixelDecoder.FromOptions(options);
        var encoderHead = new EncoderOutputHead(d);
        var heads = new PredictionHeads(d, options.NumClasses, d);
        var deImbalance = options.DeImbalance
            ? new DeImbalanceModule(d, options.Heads, options.FeedForwardDim, options.TokenInteractionLayers, options.NumQueries)
            : null;
        var denoising = new DenoisingQueryBuilder(options.NumClasses, d, options.DenoisingNoiseScale);
        var bato = options.Bato
            ? new BatoBlock(d, options.Heads, options.FeedForwardDim, options.NumQueries, options.GuidingTokens)
            : null;
        var decoder = new DeformableDecoder(
            options.DecoderLayers, d, options.Heads, options.FeedForwardDim, options.FeatureLevels, options.SamplingPoints, bato);
        return new DiMaskDinoModel(options, backbone, pixelDecoder, encoderHead, heads, deImbalance, denoising, decoder);
    }
}
