// Box geometry on xyxy boxes: area, pairwise IoU, pairwise and elementwise generalized IoU (model.md §9.1 cost_giou,
// §9.3 loss_giou). Semantics follow torchvision.ops.box_area / box_iou / generalized_box_iou: no epsilon, so a pair
// of zero-area boxes gives NaN exactly as there. Conversions cxcywh ↔ xyxy live in Common/BoxMath.
using static TorchSharp.torch;

namespace DiMaskDino.Model.Boxes;

/// <summary>Area, IoU and generalized IoU of axis-aligned boxes in (x0, y0, x1, y1) form.</summary>
public static class BoxOps
{
    /// <param name="boxes">[N, 4] float32, xyxy (x1 ≥ x0, y1 ≥ y0)</param>
    /// <returns>[N] (x1 − x0)·(y1 − y0)</returns>
    public static Tensor Area(Tensor boxes)
    {
        using var scope = NewDisposeScope();
        var size = boxes.narrow(-1, 2, 2) - boxes.narrow(-1, 0, 2); // [N, 2] (w, h)
        return (size.select(-1, 0) * size.select(-1, 1)).MoveToOuterDisposeScope();
    }

    /// <summary>Pairwise intersection over union.</summary>
    /// <param name="boxes1">[N, 4] xyxy</param>
    /// <param name="boxes2">[M, 4] xyxy</param>
    /// <returns>[N, M]</returns>
    public static Tensor Iou(Tensor boxes1, Tensor boxes2)
    {
        using var scope = NewDisposeScope();
        var (intersection, union) = IntersectionAndUnion(boxes1, boxes2);
        return (intersection / union).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Pairwise generalized IoU: IoU − (|C| − |A ∪ B|) / |C| with C the smallest box enclosing A and B. In [−1, 1].
    /// </summary>
    /// <param name="boxes1">[N, 4] xyxy</param>
    /// <param name="boxes2">[M, 4] xyxy</param>
    /// <returns>[N, M]</returns>
    public static Tensor GeneralizedIou(Tensor boxes1, Tensor boxes2)
    {
        using var scope = NewDisposeScope();
        var (intersection, union) = IntersectionAndUnion(boxes1, boxes2);
        var a = boxes1.unsqueeze(1); // [N, 1, 4]
        var b = boxes2.unsqueeze(0); // [1, M, 4]
        var enclosingTopLeft = minimum(a.narrow(-1, 0, 2), b.narrow(-1, 0, 2)); // [N, M, 2]
        var enclosingBottomRight = maximum(a.narrow(-1, 2, 2), b.narrow(-1, 2, 2)); // [N, M, 2]
        var enclosingArea = SizeProduct(enclosingTopLeft, enclosingBottomRight); // [N, M]
        return (intersection / union - (enclosingArea - union) / enclosingArea).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Generalized IoU of matched pairs (row i of <paramref name="boxes1"/> with row i of <paramref name="boxes2"/>):
    /// the diagonal of <see cref="GeneralizedIou"/> without building the N×N matrix.
    /// </summary>
    /// <param name="boxes1">[N, 4] xyxy</param>
    /// <param name="boxes2">[N, 4] xyxy</param>
    /// <returns>[N]</returns>
    public static Tensor ElementwiseGeneralizedIou(Tensor boxes1, Tensor boxes2)
    {
        if (boxes1.shape[0] != boxes2.shape[0])
        {
            throw new ArgumentException(
                $"elementwise GIoU needs the same number of boxes, got {boxes1.shape[0]} and {boxes2.shape[0]}");
        }

        using var scope = NewDisposeScope();
        var topLeft1 = boxes1.narrow(-1, 0, 2);
        var bottomRight1 = boxes1.narrow(-1, 2, 2);
        var topLeft2 = boxes2.narrow(-1, 0, 2);
        var bottomRight2 = boxes2.narrow(-1, 2, 2);
        var intersection = SizeProduct(maximum(topLeft1, topLeft2), minimum(bottomRight1, bottomRight2)); // [N]
        var union = Area(boxes1) + Area(boxes2) - intersection; // [N]
        var enclosingArea = SizeProduct(minimum(topLeft1, topLeft2), maximum(bottomRight1, bottomRight2)); // [N]
        return (intersection / union - (enclosingArea - union) / enclosingArea).MoveToOuterDisposeScope();
    }

    /// <summary>[N, M] intersection and union areas; temporaries land in the caller's scope.</summary>
    private static (Tensor Intersection, Tensor Union) IntersectionAndUnion(Tensor boxes1, Tensor boxes2)
    {
        var a = boxes1.unsqueeze(1); // [N, 1, 4]
        var b = boxes2.unsqueeze(0); // [1, M, 4]
        var topLeft = maximum(a.narrow(-1, 0, 2), b.narrow(-1, 0, 2)); // [N, M, 2]
        var bottomRight = minimum(a.narrow(-1, 2, 2), b.narrow(-1, 2, 2)); // [N, M, 2]
        var intersection = SizeProduct(topLeft, bottomRight); // [N, M]
        var union = Area(boxes1).unsqueeze(1) + Area(boxes2).unsqueeze(0) - intersection;
        return (intersection, union);
    }

    /// <summary>Area of the rectangle spanned by corners [..., 2], with negative extents clamped to 0.</summary>
    private static Tensor SizeProduct(Tensor topLeft, Tensor bottomRight)
    {
        var size = (bottomRight - topLeft).clamp(min: 0); // [..., 2]
        return size.select(-1, 0) * size.select(-1, 1);
    }
}
