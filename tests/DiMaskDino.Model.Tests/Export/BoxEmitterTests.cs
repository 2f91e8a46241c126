// Parity of the clamped logit and SineBox emitters with BoxMath / SineEmbedding (model.md §14.2 #1 and #6).

using DiMaskDino.Model.Common;
using DiMaskDino.Model.Export;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.Export;

public sealed class BoxEmitterTests(ITestOutputHelper log)
{
    [Fact]
    public void Clamped_logit_matches_box_math_including_the_clamps()
    {
        manual_seed(61);
        using var x = cat([tensor(new[] { -0.5f, 0f, 1e-7f, 0.5f, 1f, 1.5f }).view(1, 6), rand(1, 6)], 0).view(2, 6, 1); // [2, 6, 1]
        using var expected = BoxMath.InverseSigmoid(x);
        using var actual = OrtParity.RunSingle(x, (g, input) => BoxEmitters.InverseSigmoid(g, input));
        OrtParity.AssertClose(log, "logit", expected, actual, 1e-5);
        Assert.Equal(-11.512925f, actual[0, 1, 0].item<float>(), 5);
        Assert.Equal(11.512925f, actual[0, 4, 0].item<float>(), 5);
    }

    [Fact]
    public void Sine_box_embedding_matches_sine_embedding_box()
    {
        manual_seed(62);
        using var boxes = cat([rand(2, 5, 4), tensor(new[] { 0.5f, 0.25f, 1f, 0f }).expand(2, 1, 4)], 1); // [2, 6, 4]
        using var expected = SineEmbedding.Box(boxes, 128);
        using var actual = OrtParity.RunSingle(boxes, (g, input) => BoxEmitters.SineBox(g, input, 128));
        OrtParity.AssertClose(log, "sinebox", expected, actual, 1e-5);
        // §14.2 #6 at d = 128 (channels scale with d): cy block first, then cx, w, h, each d/2 wide.
        using var last = actual[0, 5];
        Assert.Equal(1f, last[0].item<float>(), 5);          // sin(2π·0.25) for cy
        Assert.Equal(0f, last[64].item<float>(), 5);         // sin(2π·0.5) for cx
        Assert.Equal(-1f, last[65].item<float>(), 5);        // cos(π)
        Assert.Equal(1f, last[193].item<float>(), 5);        // cos(0) for h
    }
}
