// Labels-mode rule 3 (docs/labels.md): masks cleaned of specks.

using DiMaskDino.Coco.Masks;

namespace DiMaskDino.Inference.PostProcessing;

/// <summary>
/// Removes the small 4-connected parts of a mask (4-connected, as <see cref="MaskPolygons"/> traces them): every part
/// smaller than the minimum area goes, except the largest part, which always stays (a small object is still an
/// object). Components are labelled inside the mask's bounding box only; a full-size bitmap is made only when a part
/// is removed.
/// </summary>
public static class MaskSpecks
{
    /// <returns><paramref name="mask"/> itself when nothing is removed, else the cleaned mask.</returns>
    public static RleMask Remove(RleMask mask, int minArea)
    {
        ArgumentNullException.ThrowIfNull(mask);
        if (minArea <= 1 || mask.Area == 0)
        {
            return mask;
        }

        var bounds = mask.Bounds;
        int x0 = (int)bounds.X, y0 = (int)bounds.Y, bw = (int)bounds.Width, bh = (int)bounds.Height;
        var part = Crop(mask, x0, y0, bw, bh);
        var sizes = Label(part, bw, bh);
        if (sizes.Count <= 1)
        {
            return mask;
        }

        int largest = sizes.IndexOf(sizes.Max());
        var removed = sizes.Select((size, i) => i != largest && size < minArea).ToArray();
        if (!removed.Contains(true))
        {
            return mask;
        }

        var full = new byte[mask.Height * mask.Width];
        Rle.Decode(mask, full);
        for (int x = 0; x < bw; x++)
        {
            for (int y = 0; y < bh; y++)
            {
                int label = part[x * bh + y];
                if (label > 0 && removed[label - 1])
                {
                    full[(x0 + x) * mask.Height + y0 + y] = 0;
                }
            }
        }

        return Rle.Encode(full, mask.Height, mask.Width);
    }

    /// <summary>The mask inside its box, column-major: −1 for foreground, 0 for background.</summary>
    private static int[] Crop(RleMask mask, int x0, int y0, int bw, int bh)
    {
        var part = new int[bw * bh];
        long position = 0;
        var counts = mask.Counts;
        for (int i = 0; i < counts.Length; i++)
        {
            long end = position + counts[i];
            if ((i & 1) == 1)
            {
                for (long p = position; p < end; p++)
                {
                    int x = (int)(p / mask.Height) - x0, y = (int)(p % mask.Height) - y0;
                    part[x * bh + y] = -1;
                }
            }

            position = end;
        }

        return part;
    }

    /// <summary>Labels the foreground parts 1, 2, … in place (4-connected flood fill); returns their sizes.</summary>
    private static List<int> Label(int[] part, int bw, int bh)
    {
        var sizes = new List<int>();
        var stack = new Stack<int>();
        for (int start = 0; start < part.Length; start++)
        {
            if (part[start] != -1)
            {
                continue;
            }

            int label = sizes.Count + 1, size = 0;
            part[start] = label;
            stack.Push(start);
            while (stack.Count > 0)
            {
                int p = stack.Pop(), x = p / bh, y = p % bh;
                size++;
                if (y > 0) Visit(p - 1);
                if (y < bh - 1) Visit(p + 1);
                if (x > 0) Visit(p - bh);
                if (x < bw - 1) Visit(p + bh);
            }

            sizes.Add(size);

            void Visit(int q)
            {
                if (part[q] == -1)
                {
                    part[q] = label;
                    stack.Push(q);
                }
            }
        }

        return sizes;
    }
}
