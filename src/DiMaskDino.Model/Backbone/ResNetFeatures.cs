using static TorchSharp.torch;

namespace DiMaskDino.Model.Backbone;

/// <summary>
/// Backbone outputs res2..res5 (model.md §2), owned by the caller: dispose them (or let the caller's dispose scope
/// do it). Channels C2..C5 are <see cref="ResNetConfig.OutChannels"/>, strides 4/8/16/32.
/// </summary>
/// <param name="Res2">[B, C2, H/4, W/4] float32</param>
/// <param name="Res3">[B, C3, H/8, W/8] float32</param>
/// <param name="Res4">[B, C4, H/16, W/16] float32</param>
/// <param name="Res5">[B, C5, H/32, W/32] float32</param>
public sealed record ResNetFeatures(Tensor Res2, Tensor Res3, Tensor Res4, Tensor Res5) : IDisposable
{
    public void Dispose()
    {
        Res2.Dispose();
        Res3.Dispose();
        Res4.Dispose();
        Res5.Dispose();
    }
}
