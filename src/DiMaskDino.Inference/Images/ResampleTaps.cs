// PIL's BILINEAR resize taps (Pillow src/libImaging/Resample.c, precompute_coeffs; HPND license), the filter the
// training letterbox uses (DiMaskDino.Model ResizeWindow) and detectron2's ResizeTransform calls.

namespace DiMaskDino.Inference.Images;

/// <summary>
/// 1-D triangle-filter taps from <c>inSize</c> to <c>outSize</c> samples: output i is centred on source coordinate
/// (i + ½)·in/out, and when shrinking the triangle is widened by in/out so that it averages instead of aliasing.
/// Weights of each output sum to 1.
/// </summary>
internal sealed class ResampleTaps
{
    private readonly int[] _start;
    private readonly int[] _count;
    private readonly float[] _weights;
    private readonly int _stride;

    public ResampleTaps(int inSize, int outSize)
    {
        double scale = inSize / (double)outSize;
        double support = Math.Max(scale, 1.0);
        _stride = (int)Math.Ceiling(support) * 2 + 1;
        _start = new int[outSize];
        _count = new int[outSize];
        _weights = new float[outSize * _stride];
        Span<double> w = _stride <= 256 ? stackalloc double[_stride] : new double[_stride];
        for (int i = 0; i < outSize; i++)
        {
            double center = (i + 0.5) * scale;
            int min = Math.Max((int)(center - support + 0.5), 0);
            int max = Math.Min((int)(center + support + 0.5), inSize);
            double total = 0;
            int n = Math.Min(max - min, _stride);
            for (int j = 0; j < n; j++)
            {
                double t = Math.Abs((j + min - center + 0.5) / support);
                w[j] = t < 1 ? 1 - t : 0;
                total += w[j];
            }

            for (int j = 0; j < n; j++)
            {
                _weights[i * _stride + j] = total > 0 ? (float)(w[j] / total) : 0f;
            }

            _start[i] = min;
            _count[i] = n;
        }
    }

    /// <summary>Output sample <paramref name="i"/> of a row or column that is read through <paramref name="source"/>.</summary>
    public float Apply(int i, ReadOnlySpan<float> source, int sourceStride)
    {
        int start = _start[i];
        ReadOnlySpan<float> w = _weights.AsSpan(i * _stride, _count[i]);
        float sum = 0;
        for (int j = 0; j < w.Length; j++)
        {
            sum += w[j] * source[(start + j) * sourceStride];
        }

        return sum;
    }
}
