// Pillow's BILINEAR resize of 8-bit images, bit for bit (Pillow src/libImaging/Resample.c: precompute_coeffs,
// normalize_coeffs_8bpc, ImagingResampleHorizontal_8bpc / Vertical_8bpc; HPND license): what detectron2's test-time
// ResizeShortestEdge does to a uint8 image through PIL Image.resize.

namespace DiMaskDino.Inference.Images;

/// <summary>
/// Resizes planar 8-bit images with Pillow's bilinear filter and its fixed-point arithmetic: a horizontal pass
/// (rounded to 8 bits) when the width changes, then a vertical pass on that result when the height changes.
/// </summary>
/// <remarks>
/// Per axis of n inputs and m outputs: scale = n/m, filter scale fs = max(scale, 1) (the triangle widens when
/// shrinking, so the support is fs), output i is centred on (i + ½)·scale and reads inputs
/// [⌊centre − fs + ½⌋, ⌊centre + fs + ½⌋) ∩ [0, n) with weights max(0, 1 − |(j − centre + ½)·(1/fs)|) normalised to
/// sum 1 in double, then rounded to integers with 22 fractional bits. An output is (2²¹ + Σ kⱼ·pⱼ) ≫ 22 clamped to
/// 0..255. Pillow multiplies by 1/fs rather than dividing by fs; the two can differ in the last bit, so this follows
/// Pillow. Thread-safe.
/// </remarks>
internal static class PillowBilinear
{
    private const int PrecisionBits = 32 - 8 - 2;

    /// <summary>Resizes each of <paramref name="channels"/> planes of <paramref name="source"/> (row-major <c>[channels, height, width]</c>).</summary>
    /// <returns><c>[channels, newHeight, newWidth]</c> bytes.</returns>
    public static byte[] Resize(ReadOnlySpan<byte> source, int channels, int height, int width, int newHeight, int newWidth)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(newHeight);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(newWidth);
        if (source.Length != (long)channels * height * width)
        {
            throw new ArgumentException($"Expected {(long)channels * height * width} bytes for {channels}x{height}x{width}, got {source.Length}.", nameof(source));
        }

        byte[] current = source.ToArray();
        if (newWidth != width)
        {
            var taps = new Taps(width, newWidth);
            var next = new byte[channels * height * newWidth];
            for (int row = 0; row < channels * height; row++)
            {
                taps.Apply(current.AsSpan(row * width, width), 1, next.AsSpan(row * newWidth, newWidth), 1);
            }

            current = next;
        }

        if (newHeight != height)
        {
            var taps = new Taps(height, newHeight);
            var next = new byte[channels * newHeight * newWidth];
            for (int c = 0; c < channels; c++)
            {
                var plane = current.AsSpan(c * height * newWidth, height * newWidth);
                var output = next.AsSpan(c * newHeight * newWidth, newHeight * newWidth);
                taps.ApplyRows(plane, output, newWidth);
            }

            current = next;
        }

        return current;
    }

    /// <summary>The fixed-point coefficients of one axis.</summary>
    internal sealed class Taps
    {
        private readonly int[] _start;
        private readonly int[] _count;
        private readonly int[] _coefficients;
        private readonly int _stride;

        public Taps(int inSize, int outSize)
        {
            double scale = (double)inSize / outSize;
            double filterScale = Math.Max(scale, 1.0);
            double support = filterScale;      // the bilinear filter's support is 1, widened by the filter scale
            double inverse = 1.0 / filterScale;
            _stride = (int)Math.Ceiling(support) * 2 + 1;
            _start = new int[outSize];
            _count = new int[outSize];
            _coefficients = new int[outSize * _stride];
            var weights = new double[_stride];
            for (int i = 0; i < outSize; i++)
            {
                double center = (i + 0.5) * scale;
                int min = Math.Max((int)(center - support + 0.5), 0);
                int count = Math.Min((int)(center + support + 0.5), inSize) - min;
                double total = 0;
                for (int j = 0; j < count; j++)
                {
                    double t = Math.Abs((j + min - center + 0.5) * inverse);
                    weights[j] = t < 1.0 ? 1.0 - t : 0.0;
                    total += weights[j];
                }

                for (int j = 0; j < count; j++)
                {
                    double w = total != 0.0 ? weights[j] / total : weights[j];
                    double fixedPoint = w * (1 << PrecisionBits);
                    _coefficients[i * _stride + j] = (int)(w < 0 ? fixedPoint - 0.5 : fixedPoint + 0.5);
                }

                _start[i] = min;
                _count[i] = count;
            }
        }

        /// <summary>First input index of output <paramref name="i"/>.</summary>
        public int Start(int i) => _start[i];

        /// <summary>The integer coefficients of output <paramref name="i"/> (2²² is 1).</summary>
        public ReadOnlySpan<int> Coefficients(int i) => _coefficients.AsSpan(i * _stride, _count[i]);

        /// <summary>Resamples one line read with a stride into another.</summary>
        public void Apply(ReadOnlySpan<byte> input, int inputStride, Span<byte> output, int outputStride)
        {
            for (int i = 0; i < _start.Length; i++)
            {
                ReadOnlySpan<int> k = Coefficients(i);
                int offset = _start[i] * inputStride;
                int sum = 1 << (PrecisionBits - 1);
                for (int j = 0; j < k.Length; j++)
                {
                    sum += input[offset + j * inputStride] * k[j];
                }

                output[i * outputStride] = Clip(sum);
            }
        }

        /// <summary>The vertical pass over a whole plane, row by row (cache-friendly; same sums as per column).</summary>
        public void ApplyRows(ReadOnlySpan<byte> plane, Span<byte> output, int width)
        {
            var sums = new int[width];
            for (int i = 0; i < _start.Length; i++)
            {
                ReadOnlySpan<int> k = Coefficients(i);
                sums.AsSpan().Fill(1 << (PrecisionBits - 1));
                for (int j = 0; j < k.Length; j++)
                {
                    ReadOnlySpan<byte> row = plane.Slice((_start[i] + j) * width, width);
                    int kj = k[j];
                    for (int x = 0; x < width; x++)
                    {
                        sums[x] += row[x] * kj;
                    }
                }

                Span<byte> outRow = output.Slice(i * width, width);
                for (int x = 0; x < width; x++)
                {
                    outRow[x] = Clip(sums[x]);
                }
            }
        }

        private static byte Clip(int sum) => (byte)Math.Clamp(sum >> PrecisionBits, 0, 255);
    }
}
