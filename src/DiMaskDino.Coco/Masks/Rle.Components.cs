// Connected parts of an RLE mask, counted on the runs without decoding: each foreground run is cut into one vertical
// segment per column it covers, segments of neighbouring columns whose rows overlap are joined (union–find), and the
// parts are the sets that remain.

namespace DiMaskDino.Coco.Masks;

public static partial class Rle
{
    /// <summary>
    /// Number of 4-connected foreground parts of <paramref name="mask"/> (pixels touching only at a corner are
    /// separate parts, as in the polygons traced from a mask); 0 for an empty mask.
    /// </summary>
    public static int ComponentCount(RleMask mask)
    {
        ArgumentNullException.ThrowIfNull(mask);
        if (mask.Area == 0 || mask.Height == 0)
        {
            return 0;
        }

        long height = mask.Height;
        var segments = new List<(long Column, long Top, long Bottom)>();
        ReadOnlySpan<uint> counts = mask.Counts;
        long position = 0;
        for (int i = 0; i < counts.Length; i++)
        {
            long start = position;
            position += counts[i];
            if ((i & 1) == 0 || counts[i] == 0)
            {
                continue;
            }

            for (long at = start; at < position;)
            {
                long column = at / height, top = at % height;
                long bottom = Math.Min(height - 1, top + (position - at) - 1);
                segments.Add((column, top, bottom));
                at += bottom - top + 1;
            }
        }

        var parent = new int[segments.Count];
        for (int i = 0; i < parent.Length; i++)
        {
            parent[i] = i;
        }

        int parts = segments.Count;
        // Segments come sorted by column, then row. [previousStart, currentStart) are the segments of the column just
        // left of the current one (none when that column is empty); `scan` is the first of them that can still overlap.
        int previousStart = 0, currentStart = 0, scan = 0;
        for (int i = 0; i < segments.Count; i++)
        {
            var segment = segments[i];
            if (segment.Column != segments[currentStart].Column)
            {
                previousStart = segments[currentStart].Column == segment.Column - 1 ? currentStart : i;
                currentStart = i;
                scan = previousStart;
            }

            // A zero-length background run between two foreground runs leaves them touching in one column.
            if (i > currentStart && segments[i - 1].Bottom + 1 >= segment.Top)
            {
                parts -= Union(parent, i - 1, i);
            }

            while (scan < currentStart && segments[scan].Bottom < segment.Top)
            {
                scan++;
            }

            for (int j = scan; j < currentStart && segments[j].Top <= segment.Bottom; j++)
            {
                parts -= Union(parent, j, i);
            }
        }

        return parts;
    }

    // Joins the sets of a and b; 1 when they were separate.
    private static int Union(int[] parent, int a, int b)
    {
        int rootA = Find(parent, a), rootB = Find(parent, b);
        if (rootA == rootB)
        {
            return 0;
        }

        parent[Math.Max(rootA, rootB)] = Math.Min(rootA, rootB);
        return 1;
    }

    private static int Find(int[] parent, int i)
    {
        while (parent[i] != i)
        {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }

        return i;
    }
}
