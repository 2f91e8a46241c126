// Symmetric per-channel int8 quantisation (WeightPrecision.Int8): channel scales, exact dequantisation, idempotence.

using DiMaskDino.Model.Export;

namespace DiMaskDino.Model.Tests.Export;

public sealed class Int8WeightsTests
{
    private static float[] RandomValues(int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1) * (float)Math.Pow(10, random.Next(-3, 2)))];
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Each_channel_maps_its_largest_weight_to_127_and_every_error_stays_within_half_a_step(int axis)
    {
        long[] dims = [6, 5, 3];
        var values = RandomValues(90, 1);
        var quantized = Int8Weights.Quantize(values, dims, axis);
        var restored = quantized.Dequantize(dims);
        Assert.Equal((int)dims[axis], quantized.Scales.Length);
        var (channels, inner) = (dims[axis], dims.Skip(axis + 1).Aggregate(1L, (a, b) => a * b));
        for (var c = 0; c < channels; c++)
        {
            var members = Enumerable.Range(0, values.Length).Where(i => i / inner % channels == c).ToArray();
            Assert.Contains(members, i => Math.Abs(quantized.Codes[i]) == Int8Weights.MaxCode);
            var step = quantized.Scales[c];
            Assert.InRange(step, members.Max(i => Math.Abs(values[i])) / 127.0, members.Max(i => Math.Abs(values[i])) / 127.0 * (1 + 1e-4));
            Assert.All(members, i => Assert.InRange(Math.Abs(restored[i] - values[i]), 0, step / 2 * (1 + 1e-6)));
        }
    }

    [Fact]
    public void Dequantised_weights_are_exact_products_and_quantise_back_to_themselves()
    {
        long[] dims = [64, 27];
        var quantized = Int8Weights.Quantize(RandomValues(64 * 27, 2), dims, 0);
        var restored = quantized.Dequantize(dims);
        for (var i = 0; i < restored.Length; i++)
        {
            Assert.Equal(quantized.Codes[i] * (double)quantized.Scales[i / 27], restored[i]);   // no float32 rounding
        }

        var again = Int8Weights.Quantize(restored, dims, 0);
        Assert.Equal(quantized.Codes, again.Codes);
        Assert.Equal(quantized.Scales, again.Scales);
    }

    [Fact]
    public void An_all_zero_channel_gets_scale_1_and_zero_codes()
    {
        float[] values = [0, 0, 0, 0.9f, -2, 0.75f];
        var quantized = Int8Weights.Quantize(values, [2, 3], 0);
        Assert.Equal(1f, quantized.Scales[0]);
        Assert.Equal(new sbyte[] { 0, 0, 0, 57, -127, 48 }, quantized.Codes);
    }

    [Fact]
    public void Non_finite_weights_and_bad_axes_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => Int8Weights.Quantize([1, float.NaN], [2], 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Int8Weights.Quantize([1, 2], [2], 1));
        Assert.Throws<ArgumentException>(() => Int8Weights.Quantize([1, 2, 3], [2], 0));
    }
}
