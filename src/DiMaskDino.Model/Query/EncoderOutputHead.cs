// The encoder-output head of the two-stage selection (model.md §4.3): enc_output (Linear d→d) + enc_output_norm
// (LN_enc) on the proposal-masked memory, then the SHARED class and box heads (Heads/PredictionHeads) per token.
// Field names follow MaskDINO's decoder (enc_output, enc_output_norm).

using DiMaskDino.Model.Heads;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Query;

/// <summary>Per-token outputs of the encoder-output head.</summary>
/// <param name="Memory">[B, S, d] M_enc = LN_enc(Linear_enc(M_sel))</param>
/// <param name="Logits">[B, S, C] enc_logits = class_embed(M_enc), no LN_dec (Appendix B quirk 4)</param>
/// <param name="BoxLogits">[B, S, 4] enc_box_logit = bbox_embed(M_enc) + proposal logits (+∞ for invalid tokens)</param>
public sealed record EncoderHeadOutput(Tensor Memory, Tensor Logits, Tensor BoxLogits) : IDisposable
{
    public void Dispose()
    {
        Memory.Dispose();
        Logits.Dispose();
        BoxLogits.Dispose();
    }
}

/// <summary>
/// enc_output = Linear(d → d) and enc_output_norm = LN_enc, both PyTorch default init. The module call gives M_enc;
/// <see cref="Predict"/> adds the shared heads. Invalid tokens (zeroed memory) become the constant LN_enc(bias).
/// </summary>
public sealed class EncoderOutputHead : nn.Module<Tensor, Tensor>
{
    private readonly Linear enc_output;
    private readonly LayerNorm enc_output_norm;

    public EncoderOutputHead(long hiddenDim) : base(nameof(EncoderOutputHead))
    {
        enc_output = nn.Linear(hiddenDim, hiddenDim);
        enc_output_norm = nn.LayerNorm(hiddenDim);
        RegisterComponents();
    }

    /// <summary>M_enc = LN_enc(Linear_enc(M_sel)).</summary>
    /// <param name="memory">[B, S, d] M_sel (invalid tokens already zeroed, <see cref="Proposals.Apply"/>)</param>
    /// <returns>[B, S, d]</returns>
    public override Tensor forward(Tensor memory)
    {
        using var scope = NewDisposeScope();
        return enc_output_norm.call(enc_output.call(memory)).MoveToOuterDisposeScope();
    }

    /// <summary>M_enc, enc_logits = class_embed(M_enc) and enc_box_logit = bbox_embed(M_enc) + proposal_logit.</summary>
    /// <param name="proposals">output of <see cref="Proposals.Apply"/></param>
    /// <param name="heads">the shared heads (class_embed, bbox_embed)</param>
    public EncoderHeadOutput Predict(EncoderProposals proposals, PredictionHeads heads)
    {
        ArgumentNullException.ThrowIfNull(proposals);
        ArgumentNullException.ThrowIfNull(heads);
        using var scope = NewDisposeScope();
        var encoded = call(proposals.Memory);                                      // [B, S, d]
        var logits = heads.ClassLogits(encoded);                                   // [B, S, C]
        var boxLogits = heads.BoxDelta(encoded) + proposals.Logits;               // [B, S, 4]
        return new EncoderHeadOutput(
            encoded.MoveToOuterDisposeScope(),
            logits.MoveToOuterDisposeScope(),
            boxLogits.MoveToOuterDisposeScope());
    }
}
