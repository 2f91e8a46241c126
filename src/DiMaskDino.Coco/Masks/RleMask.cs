// Run-length encoded binary mask, the RLE type of pycocotools' common/maskApi.c (ppwwyyxx/cocoapi, the source of
// pycocotools 2.0.11; Simplified BSD License). Area and bounding box are computed once, in the constructor, the way
// rleArea and rleToBbox (the >= 2.0.3 version) compute them.

namespace DiMaskDino.Coco.Masks;

/// <summary>
/// An immutable run-length encoded mask of <see cref="Height"/> rows and <see cref="Width"/> columns.
/// Runs go down the columns (column-major, pixel <c>(y, x)</c> at position <c>x * Height + y</c>) and alternate
/// between background and foreground, starting with a background run that may be 0 long.
/// </summary>
/// <remarks>
/// Counts need not be canonical: zero-length runs anywhere are kept as given (pycocotools keeps them too, and they
/// change the results of <see cref="Rle.Iou"/> and <see cref="Bounds"/> in a few corner cases).
/// Thread-safe: nothing changes after construction.
/// </remarks>
public sealed class RleMask
{
    private readonly uint[] _counts;

    /// <summary>Creates a mask from its run lengths; the array is copied.</summary>
    /// <exception cref="ArgumentException">A size is negative or the runs do not add up to <c>height * width</c>.</exception>
    public RleMask(int height, int width, uint[] counts)
        : this(height, width, (uint[])(counts ?? throw new ArgumentNullException(nameof(counts))).Clone(), validate: true)
    {
    }

    /// <summary>Takes ownership of <paramref name="counts"/>; only for code that built the array itself.</summary>
    internal RleMask(int height, int width, uint[] counts, bool validate)
    {
        if (validate)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(height);
            ArgumentOutOfRangeException.ThrowIfNegative(width);
        }

        Height = height;
        Width = width;
        _counts = counts;

        ulong total = 0, foreground = 0;
        for (int i = 0; i < counts.Length; i++)
        {
            total += counts[i];
            if ((i & 1) == 1)
            {
                foreground += counts[i];
            }
        }

        if (validate && total != (ulong)height * (ulong)width)
        {
            throw new ArgumentException(
                $"The runs of an RLE mask must add up to height * width = {(long)height * width}, but they add up to {total}.",
                nameof(counts));
        }

        Area = (long)foreground;
        Bounds = ComputeBounds((uint)height, (uint)width, counts);
    }

    public int Height { get; }

    public int Width { get; }

    /// <summary>Run lengths, background first.</summary>
    public ReadOnlySpan<uint> Counts => _counts;

    /// <summary>Number of foreground pixels (sum of the odd-index runs).</summary>
    public long Area { get; }

    /// <summary>
    /// Bounding box as pycocotools' <c>toBbox</c> gives it (versions >= 2.0.3): whole pixels, <c>[0, 0, 0, 0]</c> when
    /// there are fewer than two runs. Zero-length foreground runs are skipped, so a mask whose foreground runs are all
    /// 0 long but that has two or more runs gets pycocotools' unsigned wrap-around box
    /// <c>[w, h, 2^32 + 1 - w, 2^32 + 1 - h]</c>; it is reproduced on purpose because mask IoU checks boxes first.
    /// </summary>
    public BoundingBox Bounds { get; }

    internal uint[] CountsArray => _counts;

    /// <summary>A mask with no foreground: a single background run.</summary>
    public static RleMask Empty(int height, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(height);
        ArgumentOutOfRangeException.ThrowIfNegative(width);
        return new RleMask(height, width, [checked((uint)((long)height * width))], validate: false);
    }

    public override string ToString() => $"RleMask {Height}x{Width}, {_counts.Length} runs, area {Area}";

    // All arithmetic is unsigned 32-bit, as in rleToBbox; only an even number of runs is looked at, so a trailing
    // background run is ignored and a single run gives the empty box.
    private static BoundingBox ComputeBounds(uint h, uint w, uint[] counts)
    {
        int m = counts.Length & ~1;
        if (m == 0)
        {
            return default;
        }

        uint xs = w, ys = h, xe = 0, ye = 0, end = 0;
        for (int j = 0; j < m; j++)
        {
            uint start = end;
            end += counts[j];
            if ((j & 1) == 0 || counts[j] == 0)
            {
                continue;
            }

            uint xStart = start / h, yStart = start % h;
            uint xEnd = (end - 1u) / h, yEnd = (end - 1u) % h;
            xs = Math.Min(xs, xStart);
            xe = Math.Max(xe, xEnd);
            if (xStart < xEnd)
            {
                // The run wraps into another column, so it covers every row somewhere.
                ys = 0;
                ye = h - 1u;
            }
            else
            {
                ys = Math.Min(ys, yStart);
                ye = Math.Max(ye, yEnd);
            }
        }

        return new BoundingBox(xs, ys, xe - xs + 1u, ye - ys + 1u);
    }
}
