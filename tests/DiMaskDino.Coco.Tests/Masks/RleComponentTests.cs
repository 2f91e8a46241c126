// Rle.ComponentCount against a flood fill of the decoded bitmap.

using DiMaskDino.Coco.Masks;

namespace DiMaskDino.Coco.Tests.Masks;

public sealed class RleComponentTests
{
    [Fact]
    public void Empty_mask_has_no_parts()
    {
        Assert.Equal(0, Rle.ComponentCount(RleMask.Empty(5, 7)));
        Assert.Equal(0, Rle.ComponentCount(RleMask.Empty(0, 0)));
    }

    [Fact]
    public void Pixels_touching_at_a_corner_are_separate_parts()
    {
        // Row-major 3×3 diagonal.
        byte[] diagonal = [1, 0, 0, 0, 1, 0, 0, 0, 1];

        Assert.Equal(3, Rle.ComponentCount(Rle.EncodeRowMajor(diagonal, 3, 3)));
    }

    [Fact]
    public void A_run_wrapping_from_the_bottom_of_one_column_to_the_top_of_the_next_is_two_parts()
    {
        // Column-major 3×2: column 0 = (0, 0, 1), column 1 = (1, 0, 0): one run, two parts.
        Assert.Equal(2, Rle.ComponentCount(Rle.Encode([0, 0, 1, 1, 0, 0], 3, 2)));
        // Column 1 = (1, 1, 1) touches the bottom pixel of column 0.
        Assert.Equal(1, Rle.ComponentCount(Rle.Encode([0, 0, 1, 1, 1, 1], 3, 2)));
    }

    [Fact]
    public void Zero_length_background_run_between_foreground_runs_joins_them()
    {
        var mask = new RleMask(4, 1, [0, 2, 0, 2]);

        Assert.Equal(1, Rle.ComponentCount(mask));
    }

    [Fact]
    public void A_ring_is_one_part()
    {
        var ring = new byte[7 * 7];
        for (int y = 1; y < 6; y++)
        {
            for (int x = 1; x < 6; x++)
            {
                ring[y * 7 + x] = (byte)(x is 1 or 5 || y is 1 or 5 ? 1 : 0);
            }
        }

        Assert.Equal(1, Rle.ComponentCount(Rle.EncodeRowMajor(ring, 7, 7)));
    }

    [Theory]
    [InlineData(1, 17, 23, 3, 0.0)]
    [InlineData(2, 31, 19, 5, 0.05)]
    [InlineData(3, 40, 40, 2, 0.3)]
    [InlineData(4, 1, 50, 4, 0.2)]
    [InlineData(5, 50, 1, 4, 0.2)]
    public void Counts_the_parts_a_flood_fill_finds(int seed, int height, int width, int rectangles, double noise)
    {
        for (int round = 0; round < 20; round++)
        {
            var random = new Random(seed * 1000 + round);
            byte[] bitmap = RandomMasks.Blobs(random, height, width, rectangles, noise);

            Assert.Equal(FloodFillParts(bitmap, height, width), Rle.ComponentCount(Rle.Encode(bitmap, height, width)));
        }
    }

    // 4-connected parts of a column-major bitmap.
    private static int FloodFillParts(byte[] bitmap, int height, int width)
    {
        var seen = new bool[bitmap.Length];
        var stack = new Stack<(int X, int Y)>();
        int parts = 0;
        for (int start = 0; start < bitmap.Length; start++)
        {
            if (bitmap[start] == 0 || seen[start])
            {
                continue;
            }

            parts++;
            seen[start] = true;
            stack.Push((start / height, start % height));
            while (stack.TryPop(out var p))
            {
                foreach (var (x, y) in new[] { (p.X - 1, p.Y), (p.X + 1, p.Y), (p.X, p.Y - 1), (p.X, p.Y + 1) })
                {
                    int i = x * height + y;
                    if (x >= 0 && x < width && y >= 0 && y < height && bitmap[i] == 1 && !seen[i])
                    {
                        seen[i] = true;
                        stack.Push((x, y));
                    }
                }
            }
        }

        return parts;
    }
}
