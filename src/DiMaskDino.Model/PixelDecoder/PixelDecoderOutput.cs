// Outputs of the pixel decoder (model.md §3.6): the multi-scale encoder maps, the stride-4 mask features and the
// flattened encoder memory they were cut from.

using DiMaskDino.Model.Common;
using static TorchSharp.torch;

namespace DiMaskDino.Model.PixelDecoder;

/// <summary>
/// Owned by the caller: dispose it (or let the caller's dispose scope do it). The maps are reshaped views of
/// <see cref="Memory"/> (they share its storage). The decoder re-flattens them in the reverse of the encoder order (§4.1).
/// </summary>
/// <param name="Maps">[E8, E16, E32] or [E8, E16, E32, E64] ([B, d, H_l, W_l]), by increasing stride whatever the
/// encoder's level order</param>
/// <param name="MaskFeatures">[B, d, H/4, W/4] mask features</param>
/// <param name="Memory">memory_enc [B, S, d], levels in encoder order</param>
/// <param name="Levels">level sizes of <paramref name="Memory"/> in encoder order</param>
/// <param name="EncoderOrder">the encoder order: indices into <paramref name="Maps"/></param>
public sealed record PixelDecoderOutput(
    IReadOnlyList<Tensor> Maps, Tensor MaskFeatures, Tensor Memory, LevelShapes Levels, IReadOnlyList<int> EncoderOrder) : IDisposable
{
    /// <summary>[B, d, H/8, W/8] stride-8 encoder output.</summary>
    public Tensor E8 => Maps[0];

    /// <summary>[B, d, H/16, W/16].</summary>
    public Tensor E16 => Maps[1];

    /// <summary>[B, d, H/32, W/32].</summary>
    public Tensor E32 => Maps[2];

    /// <summary>[B, d, ⌈H/64⌉, ⌈W/64⌉] from the extra stride-2 conv; only with 4 levels.</summary>
    public Tensor E64 => Maps.Count > 3 ? Maps[3] : throw new InvalidOperationException("this pixel decoder has no stride-64 level");

    /// <summary>The maps in the decoder's order (the reverse of the encoder order, §4.1).</summary>
    public IReadOnlyList<Tensor> DecoderMaps => [.. EncoderOrder.Reverse().Select(i => Maps[i])];

    public void Dispose()
    {
        foreach (var map in Maps)
        {
            map.Dispose();
        }

        MaskFeatures.Dispose();
        Memory.Dispose();
    }
}
