// The stack of L_e deformable encoder layers with the encoder reference points (model.md §3.3, §3.5), as MaskDINO's
// MSDeformAttnTransformerEncoder (IDEA-Research/MaskDINO, maskdino/modeling/pixel_decoder/maskdino_encoder.py,
// Apache-2.0): field layers. Valid ratios are identically 1 (no padding masks, model.md §1.2), so they are omitted.

using DiMaskDino.Model.Common;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiMaskDino.Model.PixelDecoder;

/// <summary>Runs every layer on the flattened multi-scale tokens; all layers share the same reference points.</summary>
public sealed class DeformableEncoder : nn.Module<Tensor, Tensor, LevelShapes, Tensor>
{
    private readonly ModuleList<DeformableEncoderLayer> layers;

    /// <param name="numLayers">L_e</param>
    /// <param name="dim">d</param>
    /// <param name="feedForwardDim">FFN width</param>
    /// <param name="levels">N_l</param>
    /// <param name="heads">H_h</param>
    /// <param name="points">N_p</param>
    public DeformableEncoder(int numLayers, long dim, long feedForwardDim, int levels, int heads, int points)
        : base(nameof(DeformableEncoder))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numLayers, 1);
        layers = new ModuleList<DeformableEncoderLayer>();
        for (var i = 0; i < numLayers; i++)
        {
            layers.Add(new DeformableEncoderLayer(dim, feedForwardDim, levels, heads, points));
        }

        RegisterComponents();
    }

    public int NumLayers => layers.Count;

    public DeformableEncoderLayer Layer(int index) => layers[index];

    /// <summary>
    /// Reference point of token (i, j) of level l: ((j + 0.5)/W_l, (i + 0.5)/H_l), in flattening order.
    /// </summary>
    /// <returns>[S, 2] float32 (x, y)</returns>
    public static Tensor ReferencePoints(LevelShapes levels, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(levels);
        using var scope = NewDisposeScope();
        var perLevel = new Tensor[levels.Count];
        for (var l = 0; l < levels.Count; l++)
        {
            var (height, width) = levels.Sizes[l];
            var y = (arange(height, dtype: float32, device: device) + 0.5) / height;             // [H_l]
            var x = (arange(width, dtype: float32, device: device) + 0.5) / width;               // [W_l]
            perLevel[l] = stack(
                [x.unsqueeze(0).expand(height, width), y.unsqueeze(1).expand(height, width)],
                -1).reshape(height * width, 2);                                                   // [H_l·W_l, 2]
        }

        return cat(perLevel, 0).MoveToOuterDisposeScope();
    }

    /// <param name="source">[B, S, d] flattened levels (encoder order)</param>
    /// <param name="position">[B, S, d] sine position plus level embedding</param>
    /// <param name="levels">level sizes of <paramref name="source"/></param>
    /// <returns>memory_enc [B, S, d]</returns>
    public override Tensor forward(Tensor source, Tensor position, LevelShapes levels)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(levels);
        using var scope = NewDisposeScope();
        long batch = source.shape[0], tokens = source.shape[1];
        // The same point is used on every level it samples (valid ratios 1).
        var reference = ReferencePoints(levels, source.device)
            .view(1, tokens, 1, 2).expand(batch, tokens, levels.Count, 2);                       // [B, S, L, 2]
        var output = source;
        for (var i = 0; i < layers.Count; i++)
        {
            output = layers[i].call(output, position, reference, levels);
        }

        return output.MoveToOuterDisposeScope();
    }
}
