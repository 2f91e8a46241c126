// Symmetric per-output-channel int8 weight quantisation for the exporter (WeightPrecision.Int8): w ≈ q·s_c with
// q ∈ [−127, 127] and s_c = max|w_c| / 127, the channel's largest weight mapping to ±127.
// Each scale is rounded up to 16 significant bits, so q·s_c (≤ 7 + 16 bits) is exact in float32: the dequantised
// weight is the same number in ONNX Runtime (Cast → Mul), in TorchSharp and here, and quantising it again gives
// back the same q and s_c (a weight the exporter stores twice is stored identically).

namespace DiMaskDino.Model.Export;

/// <summary>int8 codes of one tensor and the float32 scale of each channel along <see cref="Axis"/>.</summary>
/// <param name="Codes">same layout as the float input</param>
/// <param name="Scales">one per channel</param>
public sealed record Int8Quantized(sbyte[] Codes, float[] Scales, int Axis)
{
    /// <summary>q·s_c, exactly (see the file comment).</summary>
    public float[] Dequantize(long[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        var (channels, inner) = Int8Weights.Layout(dims, Axis);
        var values = new float[Codes.Length];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = Codes[i] * Scales[(int)(i / inner % channels)];
        }

        return values;
    }
}

public static class Int8Weights
{
    /// <summary>Largest code magnitude (symmetric range, −128 unused).</summary>
    public const int MaxCode = 127;

    /// <summary>Smaller weight matrices (head outputs such as class_embed d×C) stay float16: they weigh nothing in the file.</summary>
    public const long MinimumElements = 4096;

    /// <param name="values">row-major float32 values of a tensor of shape <paramref name="dims"/></param>
    /// <param name="axis">the output-channel axis (0 for a Conv weight [C_out, C_in, kh, kw], 1 for a stored Wᵀ [in, out])</param>
    public static Int8Quantized Quantize(float[] values, long[] dims, int axis)
    {
        ArgumentNullException.ThrowIfNull(values);
        var (channels, inner) = Layout(dims, axis);
        if (values.Length != dims.Aggregate(1L, (a, b) => a * b))
        {
            throw new ArgumentException($"{values.Length} values do not fill a tensor of shape [{string.Join(", ", dims)}]", nameof(values));
        }

        var maxima = new float[channels];
        for (var i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw new ArgumentException($"cannot quantise a non-finite weight ({values[i]} at flat index {i})", nameof(values));
            }

            var c = (int)(i / inner % channels);
            maxima[c] = Math.Max(maxima[c], Math.Abs(values[i]));
        }

        var scales = maxima.Select(m => m == 0 ? 1f : RoundUpTo16SignificantBits((float)(m / (double)MaxCode))).ToArray();
        var codes = new sbyte[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            var q = Math.Round(values[i] / (double)scales[(int)(i / inner % channels)], MidpointRounding.ToEven);
            codes[i] = (sbyte)Math.Clamp(q, -MaxCode, MaxCode);
        }

        return new Int8Quantized(codes, scales, axis);
    }

    /// <summary>Channels along <paramref name="axis"/> and the number of values after it (the stride of one channel step).</summary>
    internal static (long Channels, long Inner) Layout(long[] dims, int axis)
    {
        ArgumentNullException.ThrowIfNull(dims);
        if (axis < 0 || axis >= dims.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(axis), axis, $"not an axis of a rank-{dims.Length} tensor");
        }

        return (dims[axis], dims.Skip(axis + 1).Aggregate(1L, (a, b) => a * b));
    }

    /// <summary>The smallest float ≥ <paramref name="value"/> (positive, normal) whose mantissa has at most 16 significant bits.</summary>
    private static float RoundUpTo16SignificantBits(float value)
    {
        const int dropped = 23 - 15;        // float32 stores 23 mantissa bits after the implicit one
        const int mask = (1 << dropped) - 1;
        var bits = BitConverter.SingleToInt32Bits(value);
        if ((bits & mask) != 0)
        {
            bits = (bits & ~mask) + (1 << dropped);   // a carry into the exponent is still the right number
        }

        return BitConverter.Int32BitsToSingle(bits);
    }
}
