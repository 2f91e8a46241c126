// Box losses of model.md §9.3 on matched pairs: L1 on cxcywh (loss_bbox) and 1 − GIoU on xyxy (loss_giou).
using DiMaskDino.Model.Boxes;
using DiMaskDino.Model.Common;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Losses;

/// <summary>L1 and GIoU box losses, summed over matched pairs and divided by the GT count.</summary>
public static class BoxLosses
{
    /// <summary>Σ |b̂ − b| over pairs and the 4 coordinates / normaliser.</summary>
    /// <param name="predicted">[M, 4] cxcywh of the matched predictions</param>
    /// <param name="targets">[M, 4] cxcywh of their targets</param>
    /// <param name="normaliser">num_gt (× groups for denoising), ≥ 1</param>
    /// <returns>scalar</returns>
    public static Tensor L1(Tensor predicted, Tensor targets, float normaliser)
    {
        using var scope = NewDisposeScope();
        return ((predicted - targets).abs().sum() / normaliser).MoveToOuterDisposeScope();
    }

    /// <summary>Σ (1 − GIoU(b̂, b)) over pairs / normaliser.</summary>
    /// <param name="predicted">[M, 4] cxcywh of the matched predictions</param>
    /// <param name="targets">[M, 4] cxcywh of their targets</param>
    /// <param name="normaliser">num_gt (× groups for denoising), ≥ 1</param>
    /// <returns>scalar</returns>
    public static Tensor Giou(Tensor predicted, Tensor targets, float normaliser)
    {
        using var scope = NewDisposeScope();
        var giou = BoxOps.ElementwiseGeneralizedIou(BoxMath.CxcywhToXyxy(predicted), BoxMath.CxcywhToXyxy(targets));
        return ((1 - giou).sum() / normaliser).MoveToOuterDisposeScope();
    }
}
