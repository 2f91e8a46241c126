// The sampling core of multi-scale deformable attention (model.md §3.4 steps 5–6), written with plain ops — split,
// reshape, transpose, grid_sample per level, weighted sum — so the ONNX exporter can mirror it op for op (§13.2).
// Follows MaskDINO's ms_deform_attn_core_pytorch (IDEA-Research/MaskDINO, maskdino/modeling/pixel_decoder/ops/
// functions/ms_deform_attn_func.py, Apache-2.0), the pure-PyTorch path of the CUDA kernel.

using DiMaskDino.Model.Common;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Attention;

/// <summary>
/// Bilinear sampling of per-head value maps at normalised locations, weighted and summed over levels and points.
/// Grid-sample convention: align_corners = false and zero padding, so location (j + 0.5)/W hits pixel j exactly and
/// samples outside [0, 1] are blended with zeros.
/// </summary>
public static class DeformableSampling
{
    /// <param name="value">[B, S, H_h, d_h] projected values, levels concatenated as in <paramref name="levels"/></param>
    /// <param name="levels">sizes of the flattened levels of <paramref name="value"/> (S = levels.TotalTokens)</param>
    /// <param name="locations">[B, Nq, H_h, N_l, N_p, 2] sampling locations, normalised [0, 1] image coordinates, x first</param>
    /// <param name="weights">[B, Nq, H_h, N_l, N_p] attention weights (already softmaxed)</param>
    /// <returns>[B, Nq, H_h·d_h], heads concatenated in head order</returns>
    public static Tensor Sample(Tensor value, LevelShapes levels, Tensor locations, Tensor weights)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(levels);
        ArgumentNullException.ThrowIfNull(locations);
        ArgumentNullException.ThrowIfNull(weights);
        if (value.shape[1] != levels.TotalTokens)
        {
            throw new ArgumentException($"value has {value.shape[1]} tokens, the levels hold {levels.TotalTokens}", nameof(value));
        }

        using var scope = NewDisposeScope();
        long batch = value.shape[0], heads = value.shape[2], headDim = value.shape[3];
        long queries = locations.shape[1], points = locations.shape[4];
        int levelCount = levels.Count;

        var perLevel = value.split([.. Enumerable.Range(0, levelCount).Select(levels.TokenCount)], 1);
        var grids = 2 * locations - 1;                                                        // [B, Nq, H, L, P, 2] in [-1, 1]
        var samples = new Tensor[levelCount];
        for (var l = 0; l < levelCount; l++)
        {
            var (height, width) = levels.Sizes[l];
            var map = perLevel[l].flatten(2).transpose(1, 2)
                .reshape(batch * heads, headDim, height, width);                              // [B·H, d_h, H_l, W_l]
            var grid = grids.select(3, l).transpose(1, 2).flatten(0, 1);                       // [B·H, Nq, P, 2]
            samples[l] = nn.functional.grid_sample(
                map, grid, mode: GridSampleMode.Bilinear, padding_mode: GridSamplePaddingMode.Zeros,
                align_corners: false);                                                       // [B·H, d_h, Nq, P]
        }

        var attention = weights.transpose(1, 2).reshape(batch * heads, 1, queries, levelCount * points); // [B·H, 1, Nq, L·P]
        var stacked = stack(samples, -2).flatten(-2);                                         // [B·H, d_h, Nq, L·P]
        var output = (stacked * attention).sum(-1).view(batch, heads * headDim, queries);     // [B, H·d_h, Nq]
        return output.transpose(1, 2).contiguous().MoveToOuterDisposeScope();                // [B, Nq, H·d_h]
    }
}
