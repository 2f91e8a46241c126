// Union / intersection of RLE masks: rleMerge of pycocotools (common/maskApi.c, ppwwyyxx/cocoapi; Simplified BSD
// License), walking the runs of both operands without decoding them.

using System.Buffers;

namespace DiMaskDino.Coco.Masks;

public static partial class Rle
{
    /// <summary>
    /// Union (<paramref name="intersect"/> false) or intersection of masks of one size, folded left to right as
    /// rleMerge does. One mask is returned as it is (non-canonical counts included); none gives a 0x0 mask.
    /// </summary>
    /// <remarks>
    /// The output keeps rleMerge's run structure exactly, including the zero-length runs it can emit for
    /// non-canonical inputs. One deliberate difference: where both operands reach zero-length runs at the same
    /// pixel, rleMerge stops early and returns runs that do not cover the mask; here the walk goes on to the end.
    /// pycocotools also returns a 0x0 mask for operands of different sizes; here that is an
    /// <see cref="ArgumentException"/>.
    /// </remarks>
    public static RleMask Merge(IReadOnlyList<RleMask> masks, bool intersect)
    {
        ArgumentNullException.ThrowIfNull(masks);
        if (masks.Count == 0)
        {
            return new RleMask(0, 0, [], validate: false);
        }

        RleMask first = masks[0] ?? throw new ArgumentException("The list contains a null mask.", nameof(masks));
        if (masks.Count == 1)
        {
            return first;
        }

        int capacity = first.Counts.Length + 1;
        for (int i = 1; i < masks.Count; i++)
        {
            RleMask mask = masks[i] ?? throw new ArgumentException("The list contains a null mask.", nameof(masks));
            if (mask.Height != first.Height || mask.Width != first.Width)
            {
                throw new ArgumentException(
                    $"Cannot merge a {mask.Height}x{mask.Width} mask (index {i}) with a {first.Height}x{first.Width} mask.",
                    nameof(masks));
            }

            capacity += mask.Counts.Length;
        }

        // Each merge step writes at most len(A) + len(B) runs, so two buffers of the summed length suffice.
        uint[] current = ArrayPool<uint>.Shared.Rent(capacity);
        uint[] next = ArrayPool<uint>.Shared.Rent(capacity);
        try
        {
            first.Counts.CopyTo(current);
            int length = first.Counts.Length;
            uint total = (uint)((long)first.Height * first.Width);
            for (int i = 1; i < masks.Count; i++)
            {
                length = MergePair(current.AsSpan(0, length), masks[i].Counts, intersect, total, next);
                (current, next) = (next, current);
            }

            return new RleMask(first.Height, first.Width, current.AsSpan(0, length).ToArray(), validate: false);
        }
        finally
        {
            ArrayPool<uint>.Shared.Return(current);
            ArrayPool<uint>.Shared.Return(next);
        }
    }

    // One rleMerge step. Each iteration consumes the shorter of the two current runs (c), then moves whichever
    // operand finished its run on to its next run, flipping that operand's value. A run of the output is closed
    // whenever the combined value changes or nothing is left. Returns the number of runs written to `output`.
    private static int MergePair(ReadOnlySpan<uint> a, ReadOnlySpan<uint> b, bool intersect, uint total, Span<uint> output)
    {
        // A 0x0 mask may have no runs at all; read that as one empty background run.
        uint ca = a.IsEmpty ? 0 : a[0], cb = b.IsEmpty ? 0 : b[0], run = 0, covered = 0;
        int ia = 1, ib = 1, m = 0;
        bool va = false, vb = false, v = false;
        while (true)
        {
            uint c = Math.Min(ca, cb);
            run += c;
            covered += c;

            ca -= c;
            if (ca == 0 && ia < a.Length)
            {
                ca = a[ia++];
                va = !va;
            }

            cb -= c;
            if (cb == 0 && ib < b.Length)
            {
                cb = b[ib++];
                vb = !vb;
            }

            // rleMerge stops at remaining == 0 even when zero-length runs hide more pixels behind them; we only stop
            // at the real end. Both agree whenever rleMerge's output covers the mask.
            bool done = ca + cb == 0 && covered == total;
            bool previous = v;
            v = intersect ? va && vb : va || vb;
            if (v != previous || done)
            {
                output[m++] = run;
                run = 0;
            }

            if (done)
            {
                return m;
            }
        }
    }
}
