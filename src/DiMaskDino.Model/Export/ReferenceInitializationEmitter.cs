// refs₁, the reference boxes of the first-selected tokens by BoxInitialization (model.md §4.6), mirroring
// Query/ReferenceInitialization.cs: mask2box, detectron2's bitmask rule (MaskToBox.BitmaskCorners) or the encoder's
// own box logits.

using DiMaskDino.Model.Query;

namespace DiMaskDino.Model.Export;

public static class ReferenceInitializationEmitter
{
    /// <param name="masks">[B, K1, h, w] interm mask logits</param>
    /// <param name="encoderBoxLogits">emits enc_box_logit of the selected tokens [B, K1, 4] (only called for EncoderBoxes)</param>
    /// <returns>[B, K1, 4] reference logits</returns>
    public static string Logits(OnnxGraphBuilder g, BoxInitialization kind, string masks, Func<string> encoderBoxLogits, string name = "select")
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(encoderBoxLogits);
        return kind switch
        {
            BoxInitialization.MaskToBox => BoxEmitters.InverseSigmoid(g, QuerySelectionEmitter.MaskToBoxes(g, masks, name + "_mask2box"), name + "_refs1"),
            BoxInitialization.Bitmask => BoxEmitters.InverseSigmoid(g, BitmaskBoxes(g, masks, name + "_bitmask"), name + "_refs1"),
            BoxInitialization.EncoderBoxes => encoderBoxLogits(),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown box initialisation"),
        };
    }

    /// <summary>
    /// MaskToBox.BitmaskCorners normalised: (x_min, y_min, x_max + 1, y_max + 1) of the occupied columns and rows, (0, 0,
    /// 0, 0) for an empty mask, as cxcywh over (w, h).
    /// </summary>
    /// <param name="masks">[B, N, h, w]</param>
    /// <returns>[B, N, 4]</returns>
    public static string BitmaskBoxes(OnnxGraphBuilder g, string masks, string name = "bitmask")
    {
        ArgumentNullException.ThrowIfNull(g);
        var (xMin, xMax, w) = QuerySelectionEmitter.OccupiedExtremes(g, masks, 2, 3, name + "_x");
        var (yMin, yMax, h) = QuerySelectionEmitter.OccupiedExtremes(g, masks, 3, 2, name + "_y");
        var fill = g.AddFloatConstant(name + "_fill", [MaskToBox.EmptyFill], []);
        var empty = g.AddNode("Equal", [xMin, fill], name + "_empty");                                   // [B, N, 1]: no column is set
        var zero = g.AddFloatConstant(name + "_zero", [0f], []);
        var one = g.AddFloatConstant(name + "_one", [1f], []);
        string Corner(string value, string corner) => g.AddNode("Where", [empty, zero, value], $"{name}_{corner}");
        var x0 = Corner(xMin, "x0");
        var y0 = Corner(yMin, "y0");
        var x1 = Corner(OnnxOps.Add(g, xMax, one, name + "_xend"), "x1");
        var y1 = Corner(OnnxOps.Add(g, yMax, one, name + "_yend"), "y1");
        g.Stage("interm.mask2box_xyxy", () => OnnxOps.Concat(g, [x0, y0, x1, y1], -1, name + "_xyxy"));
        return QuerySelectionEmitter.NormalisedBoxes(g, x0, y0, x1, y1, w, h, name);
    }
}
