// The reference boxes of the first-selected tokens, by MODEL.MaskDINO.INITIALIZE_BOX_TYPE (model.md §4.6): from the
// interm masks (mask2box or detectron2's bitmask rule) or the encoder's own box predictions ("no").

using static TorchSharp.torch;

namespace DiMaskDino.Model.Query;

public static class ReferenceInitialization
{
    /// <summary>refs₁ in logit space, without gradient.</summary>
    /// <param name="kind">the configured initialisation</param>
    /// <param name="intermMasks">[B, K1, H/4, W/4] interm mask logits</param>
    /// <param name="encoderBoxLogits">[B, K1, 4] enc_box_logit of the selected tokens (box head + proposal logit)</param>
    /// <returns>[B, K1, 4]</returns>
    public static Tensor Logits(BoxInitialization kind, Tensor intermMasks, Tensor encoderBoxLogits) => kind switch
    {
        BoxInitialization.MaskToBox => MaskToBox.ReferenceLogits(intermMasks),
        BoxInitialization.Bitmask => MaskToBox.BitmaskReferenceLogits(intermMasks),
        BoxInitialization.EncoderBoxes => encoderBoxLogits.detach(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown box initialisation"),
    };
}
