using DiMaskDino.Model.Attention;
using DiMaskDino.Model.Common;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.PixelDecoder;

public sealed class DeformableSamplingTests
{
    [Fact]
    public void Pixel_centres_hit_pixels_exactly_and_edges_blend_with_zero_padding()
    {
        using var scope = NewDisposeScope();
        // §14.2 item 2 on a single-channel 1×5 map.
        float[] row = [1f, 2f, 3f, 4f, 5f];
        for (var j = 0; j < row.Length; j++)
        {
            Assert.Equal(row[j], SampleSingle(row, 1, 5, (j + 0.5) / 5, 0.5), 1e-5);
        }

        Assert.Equal(0.5 * row[0], SampleSingle(row, 1, 5, 0, 0.5), 1e-5);
        Assert.Equal(0.5 * row[4], SampleSingle(row, 1, 5, 1, 0.5), 1e-5);

        // Corner (0, 0) of a 2-D map: a quarter of pixel (0, 0).
        float[] square = [8f, 1f, 1f, 1f, 1f, 1f];                                 // 2×3
        Assert.Equal(0.25 * 8, SampleSingle(square, 2, 3, 0, 0), 1e-5);
        Assert.Equal(0, SampleSingle(square, 2, 3, -0.5, 0.5), 1e-6);
    }

    [Fact]
    public void Sample_matches_brute_force_bilinear_for_every_head_level_and_point()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var levels = new LevelShapes([(3, 4), (2, 2)]);
        const long batch = 2, queries = 3, heads = 2, headDim = 3, points = 2;
        var value = randn(batch, levels.TotalTokens, heads, headDim);
        var locations = rand([batch, queries, heads, levels.Count, points, 2]) * 1.4 - 0.2;   // some outside [0, 1]
        var weights = rand([batch, queries, heads, levels.Count, points]);

        var output = DeformableSampling.Sample(value, levels, locations, weights);

        Assert.Equal(new[] { batch, queries, heads * headDim }, output.shape);
        var v = value.data<float>().ToArray();
        var loc = locations.data<float>().ToArray();
        var w = weights.data<float>().ToArray();
        var actual = output.data<float>().ToArray();
        for (long b = 0; b < batch; b++)
        {
            for (long q = 0; q < queries; q++)
            {
                for (long h = 0; h < heads; h++)
                {
                    for (long c = 0; c < headDim; c++)
                    {
                        double expected = 0;
                        for (var l = 0; l < levels.Count; l++)
                        {
                            var (height, width) = levels.Sizes[l];
                            var start = levels.Starts[l];
                            double Pixel(long s) => v[((b * levels.TotalTokens + start + s) * heads + h) * headDim + c];
                            for (long p = 0; p < points; p++)
                            {
                                var index = (((b * queries + q) * heads + h) * levels.Count + l) * points + p;
                                expected += w[index] * BilinearReference.Sample(Pixel, height, width, loc[index * 2], loc[index * 2 + 1]);
                            }
                        }

                        Assert.Equal(expected, actual[(b * queries + q) * heads * headDim + h * headDim + c], 1e-4);
                    }
                }
            }
        }
    }

    private static double SampleSingle(float[] map, long height, long width, double x, double y)
    {
        using var scope = NewDisposeScope();
        var value = tensor(map).view(1, height * width, 1, 1);                        // [B, S, H, d_h]
        var location = tensor(new[] { (float)x, (float)y }).view(1, 1, 1, 1, 1, 2);   // [B, Nq, H, L, P, 2]
        var output = DeformableSampling.Sample(value, new LevelShapes([(height, width)]), location, ones([1, 1, 1, 1, 1]));
        return output.item<float>();
    }
}
