// Mask-enhanced box initialisation, INITIALIZE_BOX_TYPE = mask2box (model.md §4.6; Appendix B quirk 6): the tight
// box of each binarised interm mask in stride-4 pixel indices (no +1), normalised by the stride-4 map size.
// Written with ONNX-friendly ops only: Greater, Cast, Mul by index grids, ReduceMax, Where (1e8), ReduceMin.

using DiMaskDino.Model.Common;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Query;

/// <summary>
/// m = (logit > 0); x_max = max_j j·m (0 when empty), x_min = min over set pixels of j (1e8 when empty), same for y;
/// cxcywh = ((x_min+x_max)/2/w₄, (y_min+y_max)/2/h₄, (x_max−x_min)/w₄, (y_max−y_min)/h₄).
/// **Quirks**: a full-width mask gives w = (w₄−1)/w₄; an empty mask gives a far-away box whose clamped logit decodes
/// to ≈ (1, 1, 1e-5, 1e-5).
/// </summary>
public static class MaskToBox
{
    /// <summary>Fill value of the min-reduction for pixels outside the mask.</summary>
    public const float EmptyFill = 1e8f;

    /// <summary>The mask2box boxes, without clamping (an empty mask gives cx, cy ≈ 5e7/size and negative w, h).</summary>
    /// <param name="maskLogits">[B, N, h₄, w₄] mask logits (detached inside; no gradient flows)</param>
    /// <returns>[B, N, 4] cxcywh normalised by (w₄, h₄)</returns>
    public static Tensor Boxes(Tensor maskLogits)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return Normalise(Corners(maskLogits), maskLogits).MoveToOuterDisposeScope();
    }

    /// <summary>(x_min, y_min, x_max, y_max) of the mask &gt; 0 pixels in stride-4 pixel indices; empty → (1e8, 1e8, 0, 0).</summary>
    /// <param name="maskLogits">[B, N, h₄, w₄] mask logits</param>
    /// <returns>[B, N, 4] float32</returns>
    public static Tensor Corners(Tensor maskLogits)
    {
        ArgumentNullException.ThrowIfNull(maskLogits);
        if (maskLogits.dim() != 4)
        {
            throw new ArgumentException($"mask logits must be [B, N, h, w], got [{string.Join(", ", maskLogits.shape)}]", nameof(maskLogits));
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        long h = maskLogits.shape[2], w = maskLogits.shape[3];
        var set = maskLogits.detach() > 0;                                         // [B, N, h, w] bool
        var m = set.to(float32);
        var columns = arange(w, dtype: float32, device: maskLogits.device).reshape(1, 1, 1, w);
        var rows = arange(h, dtype: float32, device: maskLogits.device).reshape(1, 1, h, 1);

        var xMask = (m * columns).flatten(-2);                                     // [B, N, h·w]
        var yMask = (m * rows).flatten(-2);                                        // [B, N, h·w]
        var flatSet = set.flatten(-2);                                             // [B, N, h·w]
        var fill = tensor(EmptyFill, dtype: float32, device: maskLogits.device);
        var xMax = xMask.amax([-1]);                                               // [B, N]
        var xMin = where(flatSet, xMask, fill).amin([-1]);                         // [B, N]
        var yMax = yMask.amax([-1]);
        var yMin = where(flatSet, yMask, fill).amin([-1]);
        return stack([xMin, yMin, xMax, yMax], -1).MoveToOuterDisposeScope();      // [B, N, 4]
    }

    /// <summary>
    /// INITIALIZE_BOX_TYPE = bitmask: detectron2's BitMasks.get_bounding_boxes, (x_min, y_min, x_max + 1, y_max + 1);
    /// an empty mask gives (0, 0, 0, 0).
    /// </summary>
    /// <param name="maskLogits">[B, N, h₄, w₄] mask logits</param>
    /// <returns>[B, N, 4] float32 xyxy in stride-4 pixels</returns>
    public static Tensor BitmaskCorners(Tensor maskLogits)
    {
        ArgumentNullException.ThrowIfNull(maskLogits);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        long h = maskLogits.shape[2], w = maskLogits.shape[3];
        var set = maskLogits.detach() > 0;                                         // [B, N, h, w]
        var anyColumn = set.any(-2);                                               // [B, N, w]
        var anyRow = set.any(-1);                                                  // [B, N, h]
        var columns = arange(w, dtype: float32, device: maskLogits.device);
        var rows = arange(h, dtype: float32, device: maskLogits.device);
        var fill = tensor(EmptyFill, dtype: float32, device: maskLogits.device);
        var xMin = where(anyColumn, columns, fill).amin([-1]);
        var yMin = where(anyRow, rows, fill).amin([-1]);
        var xMax = (anyColumn.to(float32) * columns).amax([-1]) + 1;
        var yMax = (anyRow.to(float32) * rows).amax([-1]) + 1;
        var corners = stack([xMin, yMin, xMax, yMax], -1);                         // [B, N, 4]
        var empty = anyColumn.any(-1).logical_not().unsqueeze(-1);                 // [B, N, 1]
        return corners.masked_fill(empty, 0).MoveToOuterDisposeScope();
    }

    /// <summary>refs₁ = logit(bitmask box) with the clamped logit of §0 (no gradient).</summary>
    /// <param name="maskLogits">[B, N, h₄, w₄] mask logits</param>
    /// <returns>[B, N, 4] reference logits</returns>
    public static Tensor BitmaskReferenceLogits(Tensor maskLogits)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return BoxMath.InverseSigmoid(Normalise(BitmaskCorners(maskLogits), maskLogits)).MoveToOuterDisposeScope();
    }

    /// <summary>xyxy in stride-4 pixels → cxcywh normalised by (w₄, h₄).</summary>
    private static Tensor Normalise(Tensor corners, Tensor maskLogits)
    {
        long h = maskLogits.shape[2], w = maskLogits.shape[3];
        var xMin = corners.select(-1, 0);
        var yMin = corners.select(-1, 1);
        var xMax = corners.select(-1, 2);
        var yMax = corners.select(-1, 3);
        return stack(
            [(xMin + xMax) / 2 / w, (yMin + yMax) / 2 / h, (xMax - xMin) / w, (yMax - yMin) / h],
            -1);                                                                   // [B, N, 4]
    }

    /// <summary>refs₁ = logit(mask2box box) with the clamped logit of §0 (no gradient).</summary>
    /// <param name="maskLogits">[B, N, h₄, w₄] mask logits</param>
    /// <returns>[B, N, 4] reference logits in [−11.513, 11.513]</returns>
    public static Tensor ReferenceLogits(Tensor maskLogits)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return BoxMath.InverseSigmoid(Boxes(maskLogits)).MoveToOuterDisposeScope();
    }
}
