// The DI-off ablation (model.md §5.6): plain MaskDINO query selection. The first selection keeps Q tokens
// (K1 := Q, ModelOptions.FirstSelectionCount); there are no TI layers, no second selection and no DI aux outputs.

using DiMaskDino.Model.Query;
using static TorchSharp.torch;

namespace DiMaskDino.Model.DeImbalance;

public static class PlainQuerySelection
{
    /// <summary>Decoder content = stop_gradient(T_s1), references = the mask2box refs₁.</summary>
    /// <param name="selection">output of <see cref="TwoStageSelection.Run"/> with count = Q</param>
    /// <param name="numQueries">Q; must equal the number of first-selected tokens</param>
    /// <returns>content [B, Q, d] (detached) and reference logits [B, Q, 4] (no gradient)</returns>
    public static DecoderQueries FromFirstSelection(TwoStageOutput selection, int numQueries)
    {
        ArgumentNullException.ThrowIfNull(selection);
        return From(selection.Content, selection.ReferenceLogits, numQueries);
    }

    /// <param name="content">[B, Q, d] first-selected tokens T_s1</param>
    /// <param name="referenceLogits">[B, Q, 4] mask2box refs₁</param>
    /// <param name="numQueries">Q; must equal the number of first-selected tokens</param>
    public static DecoderQueries From(Tensor content, Tensor referenceLogits, int numQueries)
    {
        if (content.shape[1] != numQueries)
        {
            throw new ArgumentException(
                $"with DI off the first selection must keep exactly Q = {numQueries} tokens, got {content.shape[1]}");
        }

        return new DecoderQueries(content.detach(), referenceLogits.detach());
    }
}
