// Loss weights of model.md §9.4 (also the Hungarian cost weights of §9.1: the original uses the same config values
// for both). The same weights apply to every output set.
namespace DiMaskDino.Model.Losses;

/// <summary>The five loss terms of model.md §9.3.</summary>
public enum LossTerm
{
    /// <summary>Sigmoid focal classification loss (loss_ce).</summary>
    Ce,

    /// <summary>L1 on matched cxcywh boxes (loss_bbox).</summary>
    Bbox,

    /// <summary>1 − GIoU on matched boxes (loss_giou).</summary>
    Giou,

    /// <summary>Point-sampled BCE on matched masks (loss_mask).</summary>
    Mask,

    /// <summary>Point-sampled dice on matched masks (loss_dice).</summary>
    Dice,
}

/// <summary>Weight of each loss term in the total (and of each matcher cost): ce 4, mask 5, dice 5, bbox 5, giou 2.</summary>
public sealed record LossWeights(float Ce = 4f, float Mask = 5f, float Dice = 5f, float Bbox = 5f, float Giou = 2f)
{
    public static LossWeights Paper { get; } = new();

    public float For(LossTerm term) => term switch
    {
        LossTerm.Ce => Ce,
        LossTerm.Bbox => Bbox,
        LossTerm.Giou => Giou,
        LossTerm.Mask => Mask,
        LossTerm.Dice => Dice,
        _ => throw new ArgumentOutOfRangeException(nameof(term), term, "unknown loss term"),
    };
}
