// Binary mask → COCO polygons: the outer boundary of each connected component, traced along pixel edges and
// simplified with Ramer–Douglas–Peucker.

namespace DiMaskDino.Coco.Masks;

/// <summary>
/// Converts an <see cref="RleMask"/> to COCO polygons (<c>[x1, y1, x2, y2, …]</c>, pixel-corner coordinates: pixel
/// (x, y) is the square [x, x+1]×[y, y+1]).
/// </summary>
/// <remarks>
/// <para>Tracing: every edge between a foreground pixel and background (or the image border) becomes a unit segment
/// oriented clockwise on screen around the foreground; the segments are chained into closed loops. At a vertex where
/// two foreground pixels touch only diagonally the loop turns right, so components are 4-connected and every loop is
/// a simple curve. Loops with positive shoelace area (y down) are outer boundaries; negative ones are holes, which
/// COCO polygons cannot express (pycocotools unions a segment's polygons) and which are therefore dropped: a ring
/// becomes a filled disc.</para>
/// <para>Simplification: vertices are kept only where the direction changes, then Ramer–Douglas–Peucker with
/// <c>tolerance</c> pixels removes staircase steps; a loop keeps at least three vertices.</para>
/// </remarks>
public static class MaskPolygons
{
    /// <summary>Default simplification tolerance, in pixels.</summary>
    public const double DefaultTolerance = 1.0;

    // Direction bits of the unit segments leaving a vertex.
    private const byte East = 1, South = 2, West = 4, North = 8;

    /// <summary>One polygon per 4-connected foreground component (largest first); empty for an empty mask.</summary>
    public static IReadOnlyList<double[]> FromMask(RleMask mask, double tolerance = DefaultTolerance)
    {
        ArgumentNullException.ThrowIfNull(mask);
        ArgumentOutOfRangeException.ThrowIfNegative(tolerance);
        if (mask.Area == 0)
        {
            return [];
        }

        // Work inside the bounding box, with a one-pixel empty border so that edge tests need no bounds checks.
        var bounds = mask.Bounds;
        int x0 = (int)bounds.X, y0 = (int)bounds.Y, bw = (int)bounds.Width, bh = (int)bounds.Height;
        var full = new byte[mask.Height * mask.Width];
        Rle.Decode(mask, full);
        int pw = bw + 2, ph = bh + 2;
        var pixels = new bool[pw * ph];
        for (int x = 0; x < bw; x++)
        {
            for (int y = 0; y < bh; y++)
            {
                pixels[(y + 1) * pw + x + 1] = full[(x0 + x) * mask.Height + y0 + y] != 0;
            }
        }

        // Vertices of the padded grid: (pw + 1) × (ph + 1).
        int vw = pw + 1;
        var outgoing = new byte[vw * (ph + 1)];
        for (int y = 1; y <= bh; y++)
        {
            for (int x = 1; x <= bw; x++)
            {
                if (!pixels[y * pw + x])
                {
                    continue;
                }

                if (!pixels[(y - 1) * pw + x]) outgoing[y * vw + x] |= East;               // top edge, left → right
                if (!pixels[y * pw + x + 1]) outgoing[y * vw + x + 1] |= South;            // right edge, top → bottom
                if (!pixels[(y + 1) * pw + x]) outgoing[(y + 1) * vw + x + 1] |= West;     // bottom edge, right → left
                if (!pixels[y * pw + x - 1]) outgoing[(y + 1) * vw + x] |= North;          // left edge, bottom → top
            }
        }

        var loops = new List<(double Area, double[] Polygon)>();
        for (int start = 0; start < outgoing.Length; start++)
        {
            while (outgoing[start] != 0)
            {
                var corners = Trace(outgoing, vw, start);
                double area = ShoelaceArea(corners);
                if (area > 0)
                {
                    loops.Add((area, Flatten(Simplify(corners, tolerance), x0 - 1, y0 - 1)));
                }
            }
        }

        return [.. loops.OrderByDescending(l => l.Area).Select(l => l.Polygon)];
    }

    /// <summary>Follows segments from <paramref name="start"/> until back there, removing them; returns the corners.</summary>
    private static List<(int X, int Y)> Trace(byte[] outgoing, int vw, int start)
    {
        var corners = new List<(int X, int Y)>();
        int vertex = start;
        byte direction = 0;
        do
        {
            byte available = outgoing[vertex];
            byte next = direction == 0 ? Lowest(available) : Choose(available, direction);
            outgoing[vertex] &= (byte)~next;
            if (next != direction)
            {
                corners.Add((vertex % vw, vertex / vw));
            }

            direction = next;
            vertex += next switch { East => 1, South => vw, West => -1, _ => -vw };
        }
        while (vertex != start);  // in = out at every vertex, so every trail from start closes there

        // The loop closed at its start: drop the first corner if the path goes straight through it.
        if (corners.Count > 1 && corners[0] == (start % vw, start / vw) && FirstDirection(corners) == direction)
        {
            corners.RemoveAt(0);
        }

        return corners;
    }

    private static byte FirstDirection(List<(int X, int Y)> corners)
    {
        var (a, b) = (corners[0], corners[1]);
        return b.X > a.X ? East : b.X < a.X ? West : b.Y > a.Y ? South : North;
    }

    private static byte Lowest(byte available) => (byte)(available & -available);

    /// <summary>Right turn if possible (clockwise traversal: keeps diagonal neighbours apart), else straight, else left.</summary>
    private static byte Choose(byte available, byte direction)
    {
        byte right = direction switch { East => South, South => West, West => North, _ => East };
        byte left = direction switch { East => North, South => East, West => South, _ => West };
        if ((available & right) != 0) return right;
        if ((available & direction) != 0) return direction;
        if ((available & left) != 0) return left;
        throw new InvalidOperationException("mask boundary is not closed (a tracing bug)");
    }

    private static double ShoelaceArea(List<(int X, int Y)> corners)
    {
        long twice = 0;
        for (int i = 0; i < corners.Count; i++)
        {
            var (a, b) = (corners[i], corners[(i + 1) % corners.Count]);
            twice += (long)a.X * b.Y - (long)b.X * a.Y;
        }

        return twice / 2.0;
    }

    /// <summary>Ramer–Douglas–Peucker on a closed loop, split at the corner farthest from the first one.</summary>
    private static List<(int X, int Y)> Simplify(List<(int X, int Y)> corners, double tolerance)
    {
        if (corners.Count <= 3 || tolerance == 0)
        {
            return corners;
        }

        int far = 0;
        double best = -1;
        for (int i = 1; i < corners.Count; i++)
        {
            double d = Square(corners[i].X - corners[0].X) + Square(corners[i].Y - corners[0].Y);
            if (d > best)
            {
                (best, far) = (d, i);
            }
        }

        var keep = new bool[corners.Count + 1];
        keep[0] = keep[far] = keep[corners.Count] = true;
        Mark(corners, 0, far, tolerance, keep);
        Mark(corners, far, corners.Count, tolerance, keep);
        var kept = new List<(int X, int Y)>();
        for (int i = 0; i < corners.Count; i++)
        {
            if (keep[i])
            {
                kept.Add(corners[i]);
            }
        }

        if (kept.Count >= 3)
        {
            return kept;
        }

        // A thin shape collapsed to a segment: keep the corner farthest from it as the third vertex.
        int third = Enumerable.Range(0, corners.Count).MaxBy(i => Distance(corners[i], corners[0], corners[far]));
        return [.. new[] { 0, far, third }.Order().Select(i => corners[i])];
    }

    /// <summary>Marks the corners between <paramref name="from"/> and <paramref name="to"/> (index corners.Count = corner 0) to keep.</summary>
    private static void Mark(List<(int X, int Y)> corners, int from, int to, double tolerance, bool[] keep)
    {
        var stack = new Stack<(int From, int To)>();
        stack.Push((from, to));
        while (stack.Count > 0)
        {
            var (a, b) = stack.Pop();
            var (pa, pb) = (corners[a % corners.Count], corners[b % corners.Count]);
            int worst = -1;
            double worstDistance = tolerance;
            for (int i = a + 1; i < b; i++)
            {
                double d = Distance(corners[i], pa, pb);
                if (d > worstDistance)
                {
                    (worst, worstDistance) = (i, d);
                }
            }

            if (worst >= 0)
            {
                keep[worst] = true;
                stack.Push((a, worst));
                stack.Push((worst, b));
            }
        }
    }

    /// <summary>Distance from <paramref name="p"/> to the segment <paramref name="a"/>–<paramref name="b"/>.</summary>
    private static double Distance((int X, int Y) p, (int X, int Y) a, (int X, int Y) b)
    {
        double dx = b.X - a.X, dy = b.Y - a.Y, length = dx * dx + dy * dy;
        double t = length == 0 ? 0 : Math.Clamp(((p.X - a.X) * dx + (p.Y - a.Y) * dy) / length, 0, 1);
        return Math.Sqrt(Square(p.X - a.X - t * dx) + Square(p.Y - a.Y - t * dy));
    }

    private static double Square(double v) => v * v;

    private static double[] Flatten(List<(int X, int Y)> corners, int offsetX, int offsetY)
    {
        var xy = new double[2 * corners.Count];
        for (int i = 0; i < corners.Count; i++)
        {
            xy[2 * i] = corners[i].X + offsetX;
            xy[2 * i + 1] = corners[i].Y + offsetY;
        }

        return xy;
    }
}
