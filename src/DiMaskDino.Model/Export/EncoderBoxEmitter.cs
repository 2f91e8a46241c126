// enc_box_logit of the first-selected tokens (model.md §4.2–4.4): the box head's delta plus the plain log-odds of each
// token's anchor box (+∞ where the proposal is invalid), as DiMaskDinoModel.Infer computes it for the interm boxes and
// for BoxInitialization.EncoderBoxes.

namespace DiMaskDino.Model.Export;

public static class EncoderBoxEmitter
{
    /// <param name="positions">the decoder-order positions (anchor centres and validity)</param>
    /// <param name="levelCount">N_l</param>
    /// <param name="tokens">[B, K1, d] the first-selected encoder tokens</param>
    /// <param name="indices">[B, K1] int64 indices into the S memory tokens</param>
    /// <returns>[B, K1, 4] box logits</returns>
    public static string Logits(
        OnnxGraphBuilder g, SharedHeadEmitter heads, PositionEmitters positions, int levelCount, string tokens, string indices, string name)
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(heads);
        ArgumentNullException.ThrowIfNull(positions);
        var anchors = new string[levelCount];
        for (var l = 0; l < levelCount; l++)
        {
            var centres = positions.Centres(l);                                                         // [H·W, 2]
            var size = g.AddFloatConstant($"{name}_size{l}", [(float)(0.05 * Math.Pow(2, l)), (float)(0.05 * Math.Pow(2, l))], 1, 2);
            var sizes = g.AddNode("Expand", [size, OnnxOps.Shape(g, centres, $"{name}_shape{l}")], $"{name}_sizes{l}");
            anchors[l] = OnnxOps.Concat(g, [centres, sizes], -1, $"{name}_anchor{l}");                  // [H·W, 4]
        }

        var boxes = OnnxOps.Concat(g, anchors, 0, name + "_anchors");                                   // [S, 4]
        var one = g.AddFloatConstant(name + "_one", [1f], []);
        var logOdds = g.AddNode("Log", [OnnxOps.Div(g, boxes, OnnxOps.Sub(g, one, boxes, name + "_complement"), name + "_odds")], name + "_log_odds");
        var infinity = g.AddFloatConstant(name + "_infinity", [float.PositiveInfinity], []);
        var logits = g.AddNode("Where", [positions.InvalidProposals(), infinity, logOdds], name + "_proposal_logits"); // [S, 4]
        var selected = g.AddNode("Gather", [logits, indices], name + "_selected", Attr.Int("axis", 0));  // [B, K1, 4]
        var delta = heads.BoxDelta(g, tokens, name + "_delta");
        return OnnxOps.Add(g, delta, selected, name + "_sum");
    }
}
