using DiMaskDino.Model.Common;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.Common;

public sealed class SineEmbeddingTests
{
    [Fact]
    public void Map_matches_the_model_md_values_for_a_4x4_map_with_256_channels()
    {
        using var scope = NewDisposeScope();
        var map = SineEmbedding.Map(4, 4, 256);                                   // [16, 256], index i·4 + j

        Assert.Equal(new long[] { 16, 256 }, map.shape);
        // §14.2 item 5: row 0 → y_e = 2π·1/4; column 1 → x_e = 2π·2/4.
        Assert.Equal(1.0, map[0, 0].item<float>(), 1e-5);                       // sin(π/2)
        Assert.Equal(0.0, map[0, 1].item<float>(), 1e-5);                       // cos(π/2)
        Assert.Equal(0.0, map[1, 128].item<float>(), 1e-5);                     // sin(π)
        Assert.Equal(-1.0, map[1, 129].item<float>(), 1e-5);                    // cos(π)
        // τ_2 = 10000^(2/128) for the second sin/cos pair; y channels do not depend on the column.
        Assert.Equal(Math.Sin(Math.PI / 2 / Math.Pow(10000, 2.0 / 128)), map[0, 2].item<float>(), 1e-5);
        Assert.Equal(map[4 * 2 + 0, 7].item<float>(), map[4 * 2 + 3, 7].item<float>());
    }

    [Fact]
    public void Map_uses_the_far_edge_of_each_cell()
    {
        using var scope = NewDisposeScope();
        var map = SineEmbedding.Map(3, 2, 8);                                     // [6, 8]

        // Last row: y_e = 2π·3/3 (i + 1, not i + 0.5) → sin ≈ 0, cos ≈ 1 on channels 0, 1.
        Assert.Equal(0.0, map[5, 0].item<float>(), 1e-5);
        Assert.Equal(1.0, map[5, 1].item<float>(), 1e-5);
        // Column 0 of 2: x_e = π → sin 0, cos −1 on channels 4, 5.
        Assert.Equal(-1.0, map[4, 5].item<float>(), 1e-5);
    }

    [Fact]
    public void Box_matches_the_model_md_values_in_cy_cx_w_h_order()
    {
        using var scope = NewDisposeScope();
        var box = SineEmbedding.Box(tensor(new float[] { 0.5f, 0.25f, 1f, 0f }).view(1, 4), 256); // [1, 512]

        Assert.Equal(new long[] { 1, 512 }, box.shape);
        // §14.2 item 6.
        (int Channel, double Value)[] expected = [(0, 1), (1, 0), (128, 0), (129, -1), (256, 0), (257, 1), (384, 0), (385, 1)];
        foreach (var (channel, value) in expected)
        {
            Assert.Equal(value, box[0, channel].item<float>(), 1e-5);
        }
    }
}
