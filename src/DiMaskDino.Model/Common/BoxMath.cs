using static TorchSharp.torch;

namespace DiMaskDino.Model.Common;

/// <summary>Logit helpers used throughout the network (model.md §0).</summary>
public static class BoxMath
{
    /// <summary>Clamp floor inside the inverse sigmoid: logit(0) = −11.512925, logit(1) = 11.512925.</summary>
    public const double LogitEpsilon = 1e-5;

    /// <summary>
    /// The clamped inverse sigmoid: x' = clamp(x, 0, 1); ln(max(x', 1e-5) / max(1 − x', 1e-5)).
    /// </summary>
    public static Tensor InverseSigmoid(Tensor x)
    {
        using var scope = NewDisposeScope();
        var clamped = x.clamp(0, 1);
        var numerator = clamped.clamp(min: LogitEpsilon);
        var denominator = (1 - clamped).clamp(min: LogitEpsilon);
        return (numerator / denominator).log().MoveToOuterDisposeScope();
    }

    /// <param name="boxes">[..., 4] (cx, cy, w, h)</param>
    /// <returns>[..., 4] (x0, y0, x1, y1)</returns>
    public static Tensor CxcywhToXyxy(Tensor boxes)
    {
        using var scope = NewDisposeScope();
        var parts = boxes.unbind(-1);
        var (cx, cy, w, h) = (parts[0], parts[1], parts[2], parts[3]);
        return stack([cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h], -1).MoveToOuterDisposeScope();
    }

    /// <param name="boxes">[..., 4] (x0, y0, x1, y1)</param>
    /// <returns>[..., 4] (cx, cy, w, h)</returns>
    public static Tensor XyxyToCxcywh(Tensor boxes)
    {
        using var scope = NewDisposeScope();
        var parts = boxes.unbind(-1);
        var (x0, y0, x1, y1) = (parts[0], parts[1], parts[2], parts[3]);
        return stack([(x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0], -1).MoveToOuterDisposeScope();
    }
}
