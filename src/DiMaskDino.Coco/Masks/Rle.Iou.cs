// Mask IoU: rleIou of pycocotools (common/maskApi.c, ppwwyyxx/cocoapi; Simplified BSD License). Intersection and
// union come from one walk over the runs of both masks; nothing is decoded.

namespace DiMaskDino.Coco.Masks;

public static partial class Rle
{
    /// <summary>
    /// IoU of every detection mask with every ground-truth mask, written to <c>iou[d * groundTruths.Length + g]</c>.
    /// </summary>
    /// <param name="detections">D masks.</param>
    /// <param name="groundTruths">G masks.</param>
    /// <param name="isCrowd">G flags; for a crowd ground truth the IoU is intersection / detection area.</param>
    /// <param name="iou">At least D * G values, row-major [D, G].</param>
    /// <remarks>
    /// As in rleIou, the <see cref="RleMask.Bounds"/> boxes are compared first (with <see cref="BoxIou(ReadOnlySpan{BoundingBox}, ReadOnlySpan{BoundingBox}, ReadOnlySpan{bool}, Span{double})"/>
    /// arithmetic): pairs whose boxes do not overlap get 0 without looking at the runs, and only overlapping pairs of
    /// different sizes get -1. Zero intersection gives 0, even for two empty masks.
    /// </remarks>
    public static void Iou(
        ReadOnlySpan<RleMask> detections,
        ReadOnlySpan<RleMask> groundTruths,
        ReadOnlySpan<bool> isCrowd,
        Span<double> iou)
    {
        CheckIouArguments(detections.Length, groundTruths.Length, isCrowd.Length, iou.Length);
        int g = groundTruths.Length;
        for (int d = 0; d < detections.Length; d++)
        {
            RleMask dt = detections[d];
            BoundingBox dtBox = dt.Bounds;
            Span<double> row = iou.Slice(d * g, g);
            for (int j = 0; j < g; j++)
            {
                RleMask gt = groundTruths[j];
                double value = BoxIou(dtBox, gt.Bounds, isCrowd[j]);
                if (value > 0)
                {
                    value = dt.Height != gt.Height || dt.Width != gt.Width ? -1 : RunIou(dt, gt, isCrowd[j]);
                }

                row[j] = value;
            }
        }
    }

    // rleIou's walk, kept step for step (unsigned 32-bit sums included): each iteration consumes the shorter of the
    // two current runs and moves the operand(s) that finished on to their next run. It stops as soon as both current
    // runs are 0 long, even if zero-length runs hide more pixels behind them (only non-canonical counts can do
    // that); pycocotools then reports the overlap seen so far, and so do we.
    private static double RunIou(RleMask dt, RleMask gt, bool crowd)
    {
        ReadOnlySpan<uint> a = dt.Counts, b = gt.Counts;
        uint ca = a.IsEmpty ? 0 : a[0], cb = b.IsEmpty ? 0 : b[0], inter = 0, union = 0, remaining = 1;
        int ia = 1, ib = 1;
        bool va = false, vb = false;
        while (remaining > 0)
        {
            uint c = Math.Min(ca, cb);
            if (va || vb)
            {
                union += c;
                if (va && vb)
                {
                    inter += c;
                }
            }

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

            remaining = ca + cb;
        }

        if (inter == 0)
        {
            union = 1;
        }
        else if (crowd)
        {
            union = (uint)dt.Area;
        }

        return (double)inter / union;
    }
}
