// Balance-Aware Tokens Optimization, BATO (model.md §6.3, Appendix B quirks 10 and 11), executed once just before
// decoder layer 1: guiding-token generation from the raw layer-0 output, the guided update of the whole memory, and
// the fusion of its stride-8 level into the mask features. Field names as in the original decoder
// (CQU-ADHRI-Lab/DI-MaskDINO BA_TransformerDecoder): query_guide_feature_update, mask_output_conv.

using DiMaskDino.Model.Common;
using DiMaskDino.Model.Heads;
using DiMaskDino.Model.PixelDecoder;
using DiMaskDino.Model.Query;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Bato;

/// <summary>What BATO hands to decoder layers 1..L_d−1 and their mask heads.</summary>
/// <param name="Memory">[B, S, d] M″, the updated memory (all levels, decoder order)</param>
/// <param name="MaskFeatures">[B, d, H/4, W/4] F_upd</param>
/// <param name="Indices">[B, G] int64 guiding-token indices into the Q matching queries, by descending score</param>
/// <param name="MaskTokens">[B, G, d] T_mask = mask_embed(Xg)[idx]</param>
/// <param name="BoxTokens">[B, G, d] T_box = Pg[idx]</param>
public sealed record BatoOutput(Tensor Memory, Tensor MaskFeatures, Tensor Indices, Tensor MaskTokens, Tensor BoxTokens)
    : IDisposable
{
    public void Dispose()
    {
        Memory.Dispose();
        MaskFeatures.Dispose();
        Indices.Dispose();
        MaskTokens.Dispose();
        BoxTokens.Dispose();
    }
}

/// <summary>
/// 1. Xg, Pg = last Q rows of X and P (DN rows ignored). 2. GTG: s = max_c class_embed(Xg) (raw Xg, no norm);
/// idx = top-G; T_mask = mask_embed(Xg)[idx]; T_box = Pg[idx]. 3. M″ = update(M, posD, T_mask, T_box).
/// 5. F_upd = ReLU(GN(Conv3×3(F + Upsample(M″ stride-8 level)))). Nothing is detached.
/// </summary>
public sealed class BatoBlock : nn.Module<Tensor, Tensor, Tensor, Tensor, LevelShapes, PredictionHeads, BatoOutput>
{
    private readonly GuidedFeatureUpdate query_guide_feature_update;
    private readonly NormConv2d mask_output_conv;
    private readonly int _dim;

    /// <param name="dim">d (= mask_dim)</param>
    /// <param name="heads">H_h</param>
    /// <param name="feedForwardDim">FFN width of the update block</param>
    /// <param name="numQueries">Q: the matching queries are the last Q rows of the decoder content</param>
    /// <param name="guidingTokens">G</param>
    public BatoBlock(int dim, int heads, long feedForwardDim, int numQueries, int guidingTokens) : base(nameof(BatoBlock))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(guidingTokens, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(guidingTokens, numQueries);
        _dim = dim;
        NumQueries = numQueries;
        GuidingTokens = guidingTokens;
        query_guide_feature_update = new GuidedFeatureUpdate(dim, heads, feedForwardDim);
        mask_output_conv = new NormConv2d(dim, dim, kernelSize: 3, relu: true);   // Kaiming-uniform a = 1, GN 1/0
        RegisterComponents();
    }

    public int NumQueries { get; }

    public int GuidingTokens { get; }

    /// <summary>The feature-update block (Xavier-initialised by the owning decoder).</summary>
    public GuidedFeatureUpdate Update => query_guide_feature_update;

    /// <summary>The fusion conv: Conv3×3 (no bias) → GN → ReLU.</summary>
    public NormConv2d FusionConv => mask_output_conv;

    /// <summary>posD: the plain §3.2 sine embedding of every decoder-order level, no level embedding.</summary>
    /// <param name="decoderLevels">level sizes in decoder order</param>
    /// <param name="dim">d</param>
    /// <returns>[S, d] float32, a constant of the input size</returns>
    public static Tensor MemoryPosition(LevelShapes decoderLevels, int dim, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(decoderLevels);
        using var scope = NewDisposeScope();
        var perLevel = decoderLevels.Sizes.Select(s => SineEmbedding.Map(s.Height, s.Width, dim, device)).ToList();
        return cat(perLevel, 0).MoveToOuterDisposeScope();
    }

    /// <param name="content">[B, P_dn+Q, d] X, the raw output of decoder layer 0 (Q_bal)</param>
    /// <param name="position">[B, P_dn+Q, d] P, the positional queries just computed for layer 1</param>
    /// <param name="memory">[B, S, d] M, decoder level order (the stride-8 level is the last)</param>
    /// <param name="maskFeatures">[B, d, H/4, W/4] F, the pixel decoder's mask features</param>
    /// <param name="levels">decoder-order level sizes of <paramref name="memory"/></param>
    /// <param name="heads">the shared heads (class_embed, mask_embed)</param>
    public override BatoOutput forward(
        Tensor content, Tensor position, Tensor memory, Tensor maskFeatures, LevelShapes levels, PredictionHeads heads)
    {
        ArgumentNullException.ThrowIfNull(levels);
        ArgumentNullException.ThrowIfNull(heads);
        if (content.shape[1] < NumQueries || memory.shape[1] != levels.TotalTokens)
        {
            throw new ArgumentException(
                $"BATO needs at least Q = {NumQueries} queries and memory of S = {levels.TotalTokens} tokens, got "
                + $"{content.shape[1]} queries and {memory.shape[1]} tokens");
        }

        using var scope = NewDisposeScope();
        long batch = content.shape[0], total = content.shape[1];
        var guide = content.narrow(1, total - NumQueries, NumQueries);                          // [B, Q, d] Xg
        var guidePosition = position.narrow(1, total - NumQueries, NumQueries);                 // [B, Q, d] Pg

        var score = heads.ClassLogits(guide).amax([-1]);                                        // [B, Q]
        var (_, indices) = score.topk(GuidingTokens, dim: 1, largest: true, sorted: true);     // [B, G]
        var maskTokens = TwoStageSelection.Gather(heads.MaskEmbedding(guide), indices);        // [B, G, d]
        var boxTokens = TwoStageSelection.Gather(guidePosition, indices);                      // [B, G, d]

        var memoryPosition = MemoryPosition(levels, _dim, memory.device).unsqueeze(0);         // [1, S, d]
        var updated = query_guide_feature_update.call(memory, memoryPosition, maskTokens, boxTokens); // [B, S, d]

        var last = levels.Count - 1;
        var (height, width) = levels.Sizes[last];
        var stride8 = updated.narrow(1, levels.Starts[last], height * width)
            .transpose(1, 2).reshape(batch, _dim, height, width);                              // [B, d, H/8, W/8]
        var upsampled = nn.functional.interpolate(
            stride8, size: [maskFeatures.shape[2], maskFeatures.shape[3]], mode: InterpolationMode.Bilinear,
            align_corners: false);                                                              // [B, d, H/4, W/4]
        var fused = mask_output_conv.call(maskFeatures + upsampled);                           // [B, d, H/4, W/4]

        return new BatoOutput(
            updated.MoveToOuterDisposeScope(),
            fused.MoveToOuterDisposeScope(),
            indices.MoveToOuterDisposeScope(),
            maskTokens.MoveToOuterDisposeScope(),
            boxTokens.MoveToOuterDisposeScope());
    }
}
