using DiMaskDino.Model.Common;

namespace DiMaskDino.Model.Tests.Common;

public sealed class LevelShapesTests
{
    [Fact]
    public void Tiny_levels_at_128_give_340_tokens_and_the_decoder_starts_when_reversed()
    {
        var encoder = new LevelShapes([(16, 16), (8, 8), (4, 4), (2, 2)]);
        var decoder = encoder.Reversed();

        Assert.Equal(340, encoder.TotalTokens);
        Assert.Equal(new long[] { 0, 256, 320, 336 }, encoder.Starts);
        Assert.Equal(new long[] { 0, 4, 20, 84 }, decoder.Starts);                // §14.1
        Assert.Equal((2L, 2L), decoder.Sizes[0]);
        Assert.Equal(256, decoder.TokenCount(3));
    }
}
