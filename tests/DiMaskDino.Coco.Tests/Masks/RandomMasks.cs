// Deterministic random masks and bitmap reference computations for the mask API's own tests.

namespace DiMaskDino.Coco.Tests.Masks;

internal static class RandomMasks
{
    /// <summary>A column-major 0/1 mask made of a few random rectangles plus salt noise.</summary>
    public static byte[] Blobs(Random random, int height, int width, int rectangles, double noise)
    {
        var mask = new byte[height * width];
        for (int r = 0; r < rectangles; r++)
        {
            int x0 = random.Next(width), y0 = random.Next(height);
            int x1 = random.Next(x0, width + 1), y1 = random.Next(y0, height + 1);
            for (int x = x0; x < x1; x++)
            {
                mask.AsSpan(x * height + y0, y1 - y0).Fill(1);
            }
        }

        for (int i = 0; i < mask.Length; i++)
        {
            if (random.NextDouble() < noise)
            {
                mask[i] ^= 1;
            }
        }

        return mask;
    }

    public static (long Intersection, long Union) Overlap(byte[] a, byte[] b)
    {
        long inter = 0, union = 0;
        for (int i = 0; i < a.Length; i++)
        {
            inter += a[i] & b[i];
            union += a[i] | b[i];
        }

        return (inter, union);
    }
}
