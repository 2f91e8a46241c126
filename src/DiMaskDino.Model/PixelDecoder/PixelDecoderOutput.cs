// Outputs of the pixel decoder (model.md §3.6): the four encoder maps, the stride-4 mask features and the
// flattened encoder memory they were cut from.

using DiMaskDino.Model.Common;
using static TorchSharp.torch;

namespace DiMaskDino.Model.PixelDecoder;

/// <summary>
/// Owned by the caller: dispose it (or let the caller's dispose scope do it). The four maps are reshaped views of
/// <see cref="Memory"/> (they share its storage). The decoder re-flattens the maps in reverse order (§4.1).
/// </summary>
/// <param name="E8">[B, d, H/8, W/8] stride-8 encoder output (encoder level 0)</param>
/// <param name="E16">[B, d, H/16, W/16] (encoder level 1)</param>
/// <param name="E32">[B, d, H/32, W/32] (encoder level 2)</param>
/// <param name="E64">[B, d, ⌈H/64⌉, ⌈W/64⌉] (encoder level 3, from the extra stride-2 conv)</param>
/// <param name="MaskFeatures">[B, d, H/4, W/4] mask features</param>
/// <param name="Memory">memory_enc [B, S, d], levels in encoder order [s8, s16, s32, s64]</param>
/// <param name="Levels">level sizes of <paramref name="Memory"/> in encoder order</param>
public sealed record PixelDecoderOutput(
    Tensor E8, Tensor E16, Tensor E32, Tensor E64, Tensor MaskFeatures, Tensor Memory, LevelShapes Levels) : IDisposable
{
    /// <summary>[E8, E16, E32, E64]: the multi-scale maps in encoder order.</summary>
    public IReadOnlyList<Tensor> Maps => [E8, E16, E32, E64];

    public void Dispose()
    {
        E8.Dispose();
        E16.Dispose();
        E32.Dispose();
        E64.Dispose();
        MaskFeatures.Dispose();
        Memory.Dispose();
    }
}
