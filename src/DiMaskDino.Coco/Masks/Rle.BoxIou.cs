// Box IoU: bbIou of pycocotools (common/maskApi.c, ppwwyyxx/cocoapi; Simplified BSD License), same operations in
// the same order, so results agree to the last bit.

namespace DiMaskDino.Coco.Masks;

public static partial class Rle
{
    /// <summary>
    /// IoU of every detection box with every ground-truth box, written to <c>iou[d * groundTruths.Length + g]</c>.
    /// For a crowd ground truth the union is the detection's area alone (intersection over detection area).
    /// </summary>
    /// <param name="detections">D boxes, COCO <c>[x, y, w, h]</c>.</param>
    /// <param name="groundTruths">G boxes, COCO <c>[x, y, w, h]</c>.</param>
    /// <param name="isCrowd">G flags, one per ground truth.</param>
    /// <param name="iou">At least D * G values, row-major [D, G].</param>
    /// <remarks>
    /// Boxes that do not overlap with positive width and height give 0, even when one of them has zero area. The
    /// union is <c>(dtArea + gtArea) - inter</c> in doubles, so a crowd IoU can exceed 1 by an ulp.
    /// </remarks>
    public static void BoxIou(
        ReadOnlySpan<BoundingBox> detections,
        ReadOnlySpan<BoundingBox> groundTruths,
        ReadOnlySpan<bool> isCrowd,
        Span<double> iou)
    {
        CheckIouArguments(detections.Length, groundTruths.Length, isCrowd.Length, iou.Length);
        int g = groundTruths.Length;
        for (int d = 0; d < detections.Length; d++)
        {
            Span<double> row = iou.Slice(d * g, g);
            for (int j = 0; j < g; j++)
            {
                row[j] = BoxIou(detections[d], groundTruths[j], isCrowd[j]);
            }
        }
    }

    internal static double BoxIou(in BoundingBox dt, in BoundingBox gt, bool crowd)
    {
        double w = CMin(dt.Width + dt.X, gt.Width + gt.X) - CMax(dt.X, gt.X);
        if (w <= 0)
        {
            return 0;
        }

        double h = CMin(dt.Height + dt.Y, gt.Height + gt.Y) - CMax(dt.Y, gt.Y);
        if (h <= 0)
        {
            return 0;
        }

        double inter = w * h;
        double dtArea = dt.Width * dt.Height;
        double union = crowd ? dtArea : dtArea + gt.Width * gt.Height - inter;
        return inter / union;
    }

    private static void CheckIouArguments(int detections, int groundTruths, int crowdFlags, int output)
    {
        if (crowdFlags != groundTruths)
        {
            throw new ArgumentException(
                $"isCrowd has {crowdFlags} flags but there are {groundTruths} ground truths.", "isCrowd");
        }

        if (output < (long)detections * groundTruths)
        {
            throw new ArgumentException(
                $"iou has room for {output} values but {detections} x {groundTruths} are needed.", "iou");
        }
    }

    // C's fmin/fmax: a NaN operand is ignored (Math.Min/Max would return NaN).
    private static double CMin(double a, double b) => double.IsNaN(a) ? b : double.IsNaN(b) ? a : a < b ? a : b;

    private static double CMax(double a, double b) => double.IsNaN(a) ? b : double.IsNaN(b) ? a : a > b ? a : b;
}
