using static TorchSharp.torch;

namespace DiMaskDino.Model.Common;

/// <summary>Sine position embeddings: the normalised 2-D map embedding (§3.2) and the box embedding (§7.1).</summary>
public static class SineEmbedding
{
    private const double Temperature = 10000;

    /// <summary>
    /// 2-D sine embedding of an H×W map (from its shape only): first d/2 channels from y_e = 2π(i+1)/(H+1e-6), next
    /// d/2 from x_e = 2π(j+1)/(W+1e-6); τ_k = 10000^(2⌊k/2⌋/F), sin for even k, cos for odd k.
    /// </summary>
    /// <returns>[H·W, d] float32, row-major positions (index i·W + j)</returns>
    public static Tensor Map(long height, long width, int d, Device? device = null)
    {
        using var scope = NewDisposeScope();
        var f = d / 2;
        var dimT = Tau(f, device);                                                             // [F]
        var y = (arange(1, height + 1, dtype: float32, device: device) * (2 * Math.PI / (height + 1e-6))).unsqueeze(1); // [H, 1]
        var x = (arange(1, width + 1, dtype: float32, device: device) * (2 * Math.PI / (width + 1e-6))).unsqueeze(1);   // [W, 1]
        var posY = Interleave(y / dimT);                                                       // [H, F]
        var posX = Interleave(x / dimT);                                                       // [W, F]
        var grid = cat(
            [posY.unsqueeze(1).expand(height, width, f), posX.unsqueeze(0).expand(height, width, f)],
            -1);                                                                               // [H, W, d]
        return grid.reshape(height * width, d).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// SineBox: per coordinate v (in [0, 1]), v·2π/τ_k with F = d/2 features (sin even k, cos odd k), concatenated
    /// in the order [cy, cx, w, h].
    /// </summary>
    /// <param name="boxes">[..., 4] (cx, cy, w, h)</param>
    /// <returns>[..., 2d]</returns>
    public static Tensor Box(Tensor boxes, int d)
    {
        using var scope = NewDisposeScope();
        var f = d / 2;
        var dimT = Tau(f, boxes.device);
        var scaled = boxes * (2 * Math.PI);
        var parts = scaled.unbind(-1);
        var (cx, cy, w, h) = (parts[0], parts[1], parts[2], parts[3]);
        Tensor Embed(Tensor v) => Interleave(v.unsqueeze(-1) / dimT);                           // [..., F]
        return cat([Embed(cy), Embed(cx), Embed(w), Embed(h)], -1).MoveToOuterDisposeScope();
    }

    /// <summary>τ_k = 10000^(2⌊k/2⌋/F), k = 0..F−1.</summary>
    private static Tensor Tau(int f, Device? device)
    {
        var k = arange(f, dtype: float32, device: device);
        // Instance floor_divide: the static div(..., rounding_mode) ignores the rounding mode in TorchSharp 0.107.
        return pow(Temperature, 2 * k.floor_divide(2) / f);
    }

    /// <summary>[..., F] angles → [..., F] with sin at even and cos at odd positions.</summary>
    private static Tensor Interleave(Tensor angles)
    {
        var sin = angles[TensorIndex.Ellipsis, TensorIndex.Slice(0, null, 2)].sin();
        var cos = angles[TensorIndex.Ellipsis, TensorIndex.Slice(1, null, 2)].cos();
        return stack([sin, cos], -1).flatten(-2);
    }
}
