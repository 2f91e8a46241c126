// Bitmap <-> RLE conversion: rleEncode, rleDecode and frUncompressedRLE of pycocotools (common/maskApi.c and
// PythonAPI/pycocotools/_mask.pyx, ppwwyyxx/cocoapi; Simplified BSD License).

using System.Buffers;

namespace DiMaskDino.Coco.Masks;

/// <summary>The COCO mask API (pycocotools <c>mask.py</c> / <c>maskApi.c</c>) over <see cref="RleMask"/>.</summary>
public static partial class Rle
{
    /// <summary>Encodes a column-major mask (pixel <c>(y, x)</c> at <c>x * height + y</c>); nonzero is foreground.</summary>
    /// <remarks>
    /// Like rleEncode the result is canonical: no zero-length runs except a leading background run. (rleEncode
    /// starts a new run at every change of byte value, so it only agrees with "nonzero is foreground" on 0/1 input,
    /// which is all pycocotools is meant for.)
    /// </remarks>
    public static RleMask Encode(ReadOnlySpan<byte> columnMajorMask, int height, int width)
    {
        int total = CheckedPixelCount(height, width);
        if (columnMajorMask.Length != total)
        {
            throw new ArgumentException(
                $"The mask has {columnMajorMask.Length} bytes but a {height}x{width} mask needs {total}.",
                nameof(columnMajorMask));
        }

        // Two vectorized passes: count the runs, then fill an array of exactly that size.
        int runs = WriteRuns(columnMajorMask, []);
        var counts = new uint[runs];
        WriteRuns(columnMajorMask, counts);
        return new RleMask(height, width, counts, validate: false);
    }

    /// <summary>Encodes a row-major mask (pixel <c>(y, x)</c> at <c>y * width + x</c>); nonzero is foreground.</summary>
    public static RleMask EncodeRowMajor(ReadOnlySpan<byte> rowMajorMask, int height, int width)
    {
        int total = CheckedPixelCount(height, width);
        if (rowMajorMask.Length != total)
        {
            throw new ArgumentException(
                $"The mask has {rowMajorMask.Length} bytes but a {height}x{width} mask needs {total}.",
                nameof(rowMajorMask));
        }

        byte[] transposed = ArrayPool<byte>.Shared.Rent(total);
        try
        {
            for (int x = 0; x < width; x++)
            {
                int column = x * height;
                for (int y = 0; y < height; y++)
                {
                    transposed[column + y] = rowMajorMask[y * width + x];
                }
            }

            return Encode(transposed.AsSpan(0, total), height, width);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(transposed);
        }
    }

    /// <summary>Writes the mask as 0/1 bytes in column-major order into the first <c>Height * Width</c> bytes.</summary>
    public static void Decode(RleMask mask, Span<byte> columnMajorDestination)
    {
        ArgumentNullException.ThrowIfNull(mask);
        long total = (long)mask.Height * mask.Width;
        if (columnMajorDestination.Length < total)
        {
            throw new ArgumentException(
                $"The destination has {columnMajorDestination.Length} bytes but the {mask.Height}x{mask.Width} mask needs {total}.",
                nameof(columnMajorDestination));
        }

        ReadOnlySpan<uint> counts = mask.Counts;
        int position = 0;
        for (int i = 0; i < counts.Length; i++)
        {
            int length = (int)counts[i];
            columnMajorDestination.Slice(position, length).Fill((byte)(i & 1));
            position += length;
        }
    }

    /// <summary>
    /// A mask from uncompressed COCO counts (<c>{"size": [h, w], "counts": [...]}</c>), taken as they are:
    /// zero-length runs are kept, as in frUncompressedRLE.
    /// </summary>
    /// <exception cref="ArgumentException">A size is negative or the runs do not add up to <c>height * width</c>.</exception>
    public static RleMask FromUncompressed(ReadOnlySpan<uint> counts, int height, int width) =>
        new(height, width, counts.ToArray(), validate: true);

    private static int CheckedPixelCount(int height, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(height);
        ArgumentOutOfRangeException.ThrowIfNegative(width);
        long total = (long)height * width;
        if (total > Array.MaxLength)
        {
            throw new ArgumentException($"A {height}x{width} mask is too large.", nameof(height));
        }

        return (int)total;
    }

    // Alternating background/foreground run lengths of `mask`, background first (possibly 0 long). Writes them to
    // `counts` when it is not empty and returns how many there are. An empty mask gives the single run [0].
    private static int WriteRuns(ReadOnlySpan<byte> mask, Span<uint> counts)
    {
        int runs = 0, position = 0;
        bool foreground = false;
        do
        {
            ReadOnlySpan<byte> rest = mask[position..];
            int length = foreground ? rest.IndexOf((byte)0) : rest.IndexOfAnyExcept((byte)0);
            if (length < 0)
            {
                length = rest.Length;
            }

            if (!counts.IsEmpty)
            {
                counts[runs] = (uint)length;
            }

            runs++;
            position += length;
            foreground = !foreground;
        }
        while (position < mask.Length);

        return runs;
    }
}
