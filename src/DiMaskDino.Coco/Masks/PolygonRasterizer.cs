// Polygon -> RLE: rleFrPoly of pycocotools (common/maskApi.c, ppwwyyxx/cocoapi; Simplified BSD License).
//
// The algorithm, in three steps:
// 1. Scale the vertices by 5 and round them to ints ((int)(5x + .5), truncating toward zero), then walk every edge
//    one scaled unit at a time along its major axis, rounding the minor coordinate (a DDA line). Edges are always
//    stepped from their lower end so that an edge gives the same points in both directions.
// 2. Wherever two consecutive boundary points differ in x, the crossing lies on a pixel-centre column if
//    (x + .5) / 5 - .5 is a whole number inside the image; its y, mapped back the same way, clamped to [0, h] and
//    rounded up, is where the inside/outside state of that column flips.
// 3. The flip positions x*h + y (plus h*w as an end marker) are sorted and turned into run lengths; a zero
//    difference means two flips cancel, so the run around it is joined.
//
// Every cast and every double/int operation follows the C code, because a different rounding moves pixels. The C
// casts run on x86-64, where an out-of-range or NaN double becomes int.MinValue (cvttsd2si); .NET saturates
// instead, so CInt reproduces the x86 result. (It matters for a zero-length edge, whose slope is 0/0 = NaN.)

using System.Buffers;

namespace DiMaskDino.Coco.Masks;

internal static class PolygonRasterizer
{
    private const double Scale = 5;

    /// <param name="xy">Vertices <c>x0, y0, x1, y1, ...</c> in pixels; a trailing odd value is ignored.</param>
    public static RleMask Rasterize(ReadOnlySpan<double> xy, int height, int width)
    {
        int k = xy.Length / 2;

        // pycocotools produces counts that do not add up for a 0-pixel image (its "x > w - 1" test is unsigned);
        // with no pixel to set, the only sensible answer is the empty mask. No vertex gives the empty mask there too.
        if (height == 0 || width == 0 || k == 0)
        {
            return RleMask.Empty(height, width);
        }

        // Step 1 emits max(|dx|, |dy|) + 1 points per edge; step 2 keeps at most one flip per point.
        long points = 0;
        for (int j = 0; j < k; j++)
        {
            int next = j + 1 == k ? 0 : j + 1;
            long dx = Math.Abs((long)ScaledRound(xy[2 * next]) - ScaledRound(xy[2 * j]));
            long dy = Math.Abs((long)ScaledRound(xy[2 * next + 1]) - ScaledRound(xy[2 * j + 1]));
            points += Math.Max(dx, dy) + 1;
        }

        // Only coordinates in the hundreds of millions get here; pycocotools overflows on them.
        if (points >= Array.MaxLength)
        {
            throw new ArgumentException("The polygon's coordinates are too large to rasterize.", nameof(xy));
        }

        uint[] flips = ArrayPool<uint>.Shared.Rent((int)points + 1);
        try
        {
            var boundary = new FlipCollector(flips, height, width);
            for (int j = 0; j < k; j++)
            {
                int next = j + 1 == k ? 0 : j + 1;
                WalkEdge(
                    ScaledRound(xy[2 * j]), ScaledRound(xy[2 * j + 1]),
                    ScaledRound(xy[2 * next]), ScaledRound(xy[2 * next + 1]),
                    ref boundary);
            }

            return ToRuns(flips.AsSpan(0, boundary.Count + 1), height, width);
        }
        finally
        {
            ArrayPool<uint>.Shared.Return(flips);
        }
    }

    private static int ScaledRound(double v) => CInt(Scale * v + .5);

    // Step 1 for one edge, feeding each point straight into step 2 (which only compares neighbours).
    private static void WalkEdge(int x0, int y0, int x1, int y1, ref FlipCollector boundary)
    {
        int xs = x0, xe = x1, ys = y0, ye = y1;
        int dx = Math.Abs(xe - xs), dy = Math.Abs(ys - ye);
        bool flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
        if (flip)
        {
            (xs, xe) = (xe, xs);
            (ys, ye) = (ye, ys);
        }

        if (dx >= dy)
        {
            double s = (double)(ye - ys) / dx;
            for (int d = 0; d <= dx; d++)
            {
                int t = flip ? dx - d : d;
                boundary.Add(t + xs, CInt(ys + s * t + .5));
            }
        }
        else
        {
            double s = (double)(xe - xs) / dy;
            for (int d = 0; d <= dy; d++)
            {
                int t = flip ? dy - d : d;
                boundary.Add(CInt(xs + s * t + .5), t + ys);
            }
        }
    }

    // Step 3: sort the flips (the last slot is reserved for the end marker), take differences, join zero gaps.
    private static RleMask ToRuns(Span<uint> flips, int height, int width)
    {
        flips[^1] = (uint)((long)height * width);
        flips.Sort();
        uint previous = 0;
        for (int j = 0; j < flips.Length; j++)
        {
            uint position = flips[j];
            flips[j] -= previous;
            previous = position;
        }

        // The counts are a compacted copy of the differences: runs after the first are never 0 long.
        var counts = new uint[flips.Length];
        int m = 0, i = 0;
        counts[m++] = flips[i++];
        while (i < flips.Length)
        {
            if (flips[i] > 0)
            {
                counts[m++] = flips[i++];
            }
            else
            {
                i++;
                if (i < flips.Length)
                {
                    counts[m - 1] += flips[i++];
                }
            }
        }

        return new RleMask(height, width, m == counts.Length ? counts : counts[..m], validate: false);
    }

    // (int)double as compiled for x86-64 (cvttsd2si): truncation toward zero, int.MinValue when out of range or NaN.
    private static int CInt(double v) =>
        v > -2147483649.0 && v < 2147483648.0 ? (int)v : int.MinValue;

    // Step 2, fed one boundary point at a time.
    private struct FlipCollector(uint[] flips, int height, int width)
    {
        private bool _started;
        private int _u, _v;

        public int Count { get; private set; }

        public void Add(int u, int v)
        {
            if (_started && u != _u)
            {
                double xd = u < _u ? u : u - 1;
                xd = (xd + .5) / Scale - .5;
                if (Math.Floor(xd) == xd && xd >= 0 && xd <= width - 1)
                {
                    double yd = v < _v ? v : _v;
                    yd = (yd + .5) / Scale - .5;
                    if (yd < 0)
                    {
                        yd = 0;
                    }
                    else if (yd > height)
                    {
                        yd = height;
                    }

                    yd = Math.Ceiling(yd);
                    flips[Count++] = (uint)((int)xd * height + (int)yd);
                }
            }

            _started = true;
            _u = u;
            _v = v;
        }
    }
}
