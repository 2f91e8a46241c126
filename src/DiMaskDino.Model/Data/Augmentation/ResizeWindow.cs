// Resampling shared by the LSJ augmentation and the evaluation letterbox (model.md §1.3, §1.5): one pass that
// resizes, mirrors and crops at once, bilinear (antialiased like PIL) for images and nearest for masks.

namespace DiMaskDino.Model.Data.Augmentation;

/// <summary>
/// Output pixel (y, x), for 0 ≤ y &lt; <see cref="Height"/> and 0 ≤ x &lt; <see cref="Width"/>, is pixel
/// (<see cref="Top"/> + y, <see cref="Left"/> + x) of the source resized to <see cref="ResizedHeight"/> ×
/// <see cref="ResizedWidth"/> and then, when <see cref="Mirror"/>, flipped left–right.
/// </summary>
/// <remarks>
/// Images use PIL's BILINEAR resize (what detectron2's ResizeTransform calls): a triangle filter whose support grows
/// with the downscaling factor, so shrinking averages instead of aliasing; pixel centres at +0.5. Masks use nearest
/// neighbour on the same pixel-centre grid: resized index j reads source index ⌊(j + ½)·in/out⌋. Mirroring after
/// the resize equals mirroring before it (the filter is symmetric) up to float rounding.
/// </remarks>
public readonly record struct ResizeWindow(
    int SourceHeight, int SourceWidth, int ResizedHeight, int ResizedWidth, int Top, int Left, int Height, int Width, bool Mirror)
{
    /// <summary>Checks that the window lies inside the resized image.</summary>
    public void Validate()
    {
        if (SourceHeight <= 0 || SourceWidth <= 0 || ResizedHeight <= 0 || ResizedWidth <= 0 || Height < 0 || Width < 0
            || Top < 0 || Left < 0 || Top + Height > ResizedHeight || Left + Width > ResizedWidth)
        {
            throw new ArgumentException($"invalid resize window {this}");
        }
    }

    /// <summary>Resamples the window of <paramref name="source"/> into the top-left corner of <paramref name="destination"/>.</summary>
    public void ResampleImage(RgbImage source, RgbImage destination)
    {
        Validate();
        if (source.Height != SourceHeight || source.Width != SourceWidth || destination.Height < Height || destination.Width < Width)
        {
            throw new ArgumentException("image sizes do not match the resize window");
        }

        if (Height == 0 || Width == 0)
        {
            return;
        }

        var rows = Taps.Bilinear(SourceHeight, ResizedHeight, Top, Height, mirror: false);
        var cols = Taps.Bilinear(SourceWidth, ResizedWidth, Left, Width, Mirror);
        int firstRow = rows.First, rowSpan = rows.End - rows.First;

        // Horizontal pass over the source rows the vertical taps touch: [3, rowSpan, Width].
        var horizontal = new float[3 * rowSpan * Width];
        for (var c = 0; c < 3; c++)
        {
            for (var r = 0; r < rowSpan; r++)
            {
                var src = source.Pixels.AsSpan((c * SourceHeight + firstRow + r) * SourceWidth, SourceWidth);
                var dst = horizontal.AsSpan((c * rowSpan + r) * Width, Width);
                for (var x = 0; x < Width; x++)
                {
                    dst[x] = cols.Apply(x, src);
                }
            }
        }

        // Vertical pass into the destination.
        var column = new float[rowSpan];
        for (var c = 0; c < 3; c++)
        {
            for (var x = 0; x < Width; x++)
            {
                for (var r = 0; r < rowSpan; r++)
                {
                    column[r] = horizontal[(c * rowSpan + r) * Width + x];
                }

                for (var y = 0; y < Height; y++)
                {
                    destination.Pixels[(c * destination.Height + y) * destination.Width + x] = rows.Apply(y, column, firstRow);
                }
            }
        }
    }

    /// <summary>
    /// Nearest-neighbour resampling of a row-major <see cref="SourceHeight"/>×<see cref="SourceWidth"/> mask into the
    /// top-left corner of a row-major mask <paramref name="destinationWidth"/> wide (the rest is left as it is).
    /// </summary>
    public void ResampleMask(ReadOnlySpan<byte> source, Span<byte> destination, int destinationWidth)
    {
        var rows = Taps.Nearest(SourceHeight, ResizedHeight, Top, Height, mirror: false);
        var cols = Taps.Nearest(SourceWidth, ResizedWidth, Left, Width, Mirror);
        for (var y = 0; y < Height; y++)
        {
            var src = source.Slice(rows[y] * SourceWidth, SourceWidth);
            var dst = destination.Slice(y * destinationWidth, Width);
            for (var x = 0; x < Width; x++)
            {
                dst[x] = src[cols[x]];
            }
        }
    }

    /// <summary>1-D resampling taps along one axis.</summary>
    private sealed class Taps
    {
        private readonly int[] _start;
        private readonly int[] _count;
        private readonly float[] _weights;
        private readonly int _stride;

        private Taps(int[] start, int[] count, float[] weights, int stride)
        {
            _start = start;
            _count = count;
            _weights = weights;
            _stride = stride;
            First = start.Min();
            End = start.Zip(count, (s, n) => s + n).Max();
        }

        /// <summary>Lowest source index any output reads.</summary>
        public int First { get; }

        /// <summary>One past the highest source index any output reads.</summary>
        public int End { get; }

        /// <summary>PIL's bilinear taps (ImagingResample's precompute_coeffs with the triangle filter, support 1).</summary>
        public static Taps Bilinear(int inSize, int resizedSize, int outStart, int outCount, bool mirror)
        {
            var scale = inSize / (double)resizedSize;
            var filterScale = Math.Max(scale, 1.0);
            var support = filterScale;
            var stride = (int)Math.Ceiling(support) * 2 + 1;
            var start = new int[outCount];
            var count = new int[outCount];
            var weights = new float[outCount * stride];
            var taps = new double[stride];
            for (var i = 0; i < outCount; i++)
            {
                var j = mirror ? resizedSize - 1 - (outStart + i) : outStart + i;
                var center = (j + 0.5) * scale;
                var lo = Math.Max((int)Math.Floor(center - support + 0.5), 0);
                var hi = Math.Min((int)Math.Floor(center + support + 0.5), inSize);
                var n = Math.Min(hi - lo, stride);
                double sum = 0;
                for (var k = 0; k < n; k++)
                {
                    var t = Math.Abs((lo + k - center + 0.5) / filterScale);
                    taps[k] = t < 1.0 ? 1.0 - t : 0.0;
                    sum += taps[k];
                }

                for (var k = 0; k < n; k++)
                {
                    weights[i * stride + k] = (float)(sum > 0 ? taps[k] / sum : 0);
                }

                start[i] = lo;
                count[i] = n;
            }

            return new Taps(start, count, weights, stride);
        }

        /// <summary>Source index of each output for nearest-neighbour resampling, in integer arithmetic.</summary>
        public static int[] Nearest(int inSize, int resizedSize, int outStart, int outCount, bool mirror)
        {
            var index = new int[outCount];
            for (var i = 0; i < outCount; i++)
            {
                long j = mirror ? resizedSize - 1 - (outStart + i) : outStart + i;
                index[i] = (int)Math.Min(inSize - 1, (2 * j + 1) * inSize / (2L * resizedSize));
            }

            return index;
        }

        /// <summary>Weighted sum of <paramref name="values"/> (indexed from <paramref name="offset"/>) for output <paramref name="i"/>.</summary>
        public float Apply(int i, ReadOnlySpan<float> values, int offset = 0)
        {
            var w = _weights.AsSpan(i * _stride, _count[i]);
            var v = values.Slice(_start[i] - offset, _count[i]);
            float sum = 0;
            for (var k = 0; k < w.Length; k++)
            {
                sum += w[k] * v[k];
            }

            return sum;
        }
    }
}
