// Parity of the bitmask box initialisation emitter with MaskToBox.BitmaskReferenceLogits on masks that hit its edge
// cases: an empty mask (box 0, 0, 0, 0), a single pixel in the last row and column, a full mask and random ones.

using DiMaskDino.Model.Export;
using DiMaskDino.Model.Query;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.Export;

public sealed class ReferenceInitializationEmitterTests(ITestOutputHelper log)
{
    [Fact]
    public void Bitmask_references_match_the_model_including_empty_single_pixel_and_full_masks()
    {
        using var generator = new Generator(97);
        using var masks = randn([2, 5, 6, 8], generator: generator) - 0.5f;   // [B, N, h, w]
        using (no_grad())
        {
            masks[0, 0].fill_(-1f);                                              // empty
            masks[0, 1].fill_(-1f);
            masks[0, 1, 5, 7] = tensor(2f);                                      // one pixel, last row and column
            masks[0, 2].fill_(1f);                                               // full
        }

        using var expected = MaskToBox.BitmaskReferenceLogits(masks);
        using var actual = OrtParity.RunSingle(
            masks, (g, input) => BoxEmitters.InverseSigmoid(g, ReferenceInitializationEmitter.BitmaskBoxes(g, input), "refs"));
        OrtParity.AssertClose(log, "bitmask refs", expected, actual, 1e-5);
        Assert.All(actual[0, 0].data<float>().ToArray(), v => Assert.Equal(-11.512925f, v, 5));     // logit of the clamped 0
        Assert.Equal(11.512925f, actual[0, 2, 2].item<float>(), 5);                                 // full width: w = 1
    }
}
