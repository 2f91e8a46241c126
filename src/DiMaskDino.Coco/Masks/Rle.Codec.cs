// COCO's compressed RLE strings: rleToString / rleFrString of pycocotools (common/maskApi.c, ppwwyyxx/cocoapi;
// Simplified BSD License).
//
// Format: each run becomes a signed value v, written 5 bits at a time, least significant group first, one ASCII
// character per group (group + 48, plus 32 on every group but the last). The last group's bit 16 is the sign.
// From the fourth run on (index i > 2, not i >= 2: a pycocotools quirk kept by every COCO file), v is the
// difference to the run two places back, which is small for smooth shapes.

namespace DiMaskDino.Coco.Masks;

public static partial class Rle
{
    private const int FirstDeltaIndex = 3;
    private const int CharOffset = 48;
    private const int MoreBit = 0x20;
    private const int SignBit = 0x10;
    private const int GroupMask = 0x1f;

    // Seven 5-bit groups hold every difference of two uint counts (35 bits, signed).
    private const int MaxGroups = 7;

    /// <summary>The COCO compressed <c>counts</c> string of a mask, byte for byte as pycocotools writes it.</summary>
    public static string ToCompressedString(RleMask mask)
    {
        ArgumentNullException.ThrowIfNull(mask);
        ReadOnlySpan<uint> counts = mask.Counts;

        int length = 0;
        for (int i = 0; i < counts.Length; i++)
        {
            length += GroupCount(Delta(counts, i));
        }

        return string.Create(length, mask, static (chars, m) =>
        {
            ReadOnlySpan<uint> counts = m.Counts;
            int p = 0;
            for (int i = 0; i < counts.Length; i++)
            {
                long x = Delta(counts, i);
                bool more = true;
                while (more)
                {
                    int c = (int)(x & GroupMask);
                    x >>= 5;
                    more = (c & SignBit) != 0 ? x != -1 : x != 0;
                    if (more)
                    {
                        c |= MoreBit;
                    }

                    chars[p++] = (char)(c + CharOffset);
                }
            }
        });
    }

    /// <summary>Parses a COCO compressed <c>counts</c> string (rleFrString) for a mask of the given size.</summary>
    /// <exception cref="FormatException">
    /// A character lies outside <c>'0'..'o'</c>, the string ends inside a value, a value is too long, a run comes
    /// out negative or beyond 32 bits, or the runs do not add up to <c>height * width</c>.
    /// </exception>
    /// <remarks>
    /// pycocotools accepts all of these and produces a garbage mask (or reads past the end of the string).
    /// Values of 7 groups (runs differing by 2^29 or more) are decoded exactly here; pycocotools shifts them in
    /// 32-bit ints and gets them wrong, which only matters for masks of more than half a gigapixel.
    /// </remarks>
    public static RleMask FromCompressedString(string counts, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(counts);
        ArgumentOutOfRangeException.ThrowIfNegative(height);
        ArgumentOutOfRangeException.ThrowIfNegative(width);

        // A value ends at every character without the continuation bit; count them to size the array exactly.
        int runs = 0;
        foreach (char ch in counts)
        {
            int c = ch - CharOffset;
            if ((uint)c > 63)
            {
                throw new FormatException(
                    $"Invalid character '{ch}' (U+{(int)ch:X4}) in a compressed RLE string; only '0'..'o' may occur.");
            }

            if ((c & MoreBit) == 0)
            {
                runs++;
            }
        }

        if (counts.Length > 0 && ((counts[^1] - CharOffset) & MoreBit) != 0)
        {
            throw new FormatException("The compressed RLE string ends in the middle of a value.");
        }

        var result = new uint[runs];
        ulong total = 0;
        int p = 0;
        for (int m = 0; m < runs; m++)
        {
            long x = 0;
            int k = 0;
            bool more = true;
            while (more)
            {
                if (k == MaxGroups)
                {
                    throw new FormatException(
                        $"Value {m} of the compressed RLE string has more than {MaxGroups} characters.");
                }

                int c = counts[p++] - CharOffset;
                x |= (long)(c & GroupMask) << (5 * k);
                more = (c & MoreBit) != 0;
                k++;
                if (!more && (c & SignBit) != 0)
                {
                    x |= -1L << (5 * k);
                }
            }

            if (m >= FirstDeltaIndex)
            {
                x += result[m - 2];
            }

            if (x < 0 || x > uint.MaxValue)
            {
                throw new FormatException($"Run {m} of the compressed RLE string decodes to {x}, outside 0..2^32-1.");
            }

            result[m] = (uint)x;
            total += (uint)x;
        }

        if (total != (ulong)height * (ulong)width)
        {
            throw new FormatException(
                $"The runs of the compressed RLE string add up to {total}, but a {height}x{width} mask has {(long)height * width} pixels.");
        }

        return new RleMask(height, width, result, validate: false);
    }

    private static long Delta(ReadOnlySpan<uint> counts, int i) =>
        i >= FirstDeltaIndex ? (long)counts[i] - counts[i - 2] : counts[i];

    private static int GroupCount(long x)
    {
        int groups = 1;
        while (true)
        {
            int c = (int)(x & GroupMask);
            x >>= 5;
            if ((c & SignBit) != 0 ? x == -1 : x == 0)
            {
                return groups;
            }

            groups++;
        }
    }
}
