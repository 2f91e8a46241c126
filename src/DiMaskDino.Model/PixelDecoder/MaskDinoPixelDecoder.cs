// The pixel decoder, "MaskDINO encoder" (model.md §3.1–§3.6), after MaskDINOEncoder (IDEA-Research/MaskDINO,
// maskdino/modeling/pixel_decoder/maskdino_encoder.py, Apache-2.0). Weight names follow it, except that the
// original's wrapper "transformer" (holding level_embed and encoder) is flattened away: transformer.level_embed →
// level_embed, transformer.encoder.layers.* → encoder.layers.*. adapter_1 / layer_1 are the lateral / output convs.

using DiMaskDino.Model.Backbone;
using DiMaskDino.Model.Common;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiMaskDino.Model.PixelDecoder;

/// <summary>
/// res3, res4, res5 (and, with 4 levels, a stride-2 conv of raw res5) are projected to d channels (levels s8, s16,
/// s32, s64), flattened in the encoder's level order with sine positions plus a learnable level embedding, refined by
/// the deformable encoder, split back into maps, and the stride-8 map is fused with res2 into the stride-4 mask
/// features. input_proj follows the original's indices: low2high [res3, res4, res5, down], high2low [res5, res4,
/// res3, down].
/// </summary>
public sealed class MaskDinoPixelDecoder : nn.Module<ResNetFeatures, PixelDecoderOutput>
{
    private const int ProjectedLevels = 3;

    private readonly ModuleList<Sequential> input_proj;
    private readonly Parameter level_embed;
    private readonly DeformableEncoder encoder;
    private readonly NormConv2d adapter_1;
    private readonly NormConv2d layer_1;
    private readonly Conv2d mask_features;
    private readonly long _dim;
    private readonly int _levels;
    private readonly FeatureOrder _order;

    /// <param name="res2Channels">C_res2 (lateral input)</param>
    /// <param name="res3Channels">C_res3</param>
    /// <param name="res4Channels">C_res4</param>
    /// <param name="res5Channels">C_res5 (also the input of the extra stride-64 level)</param>
    /// <param name="dim">d = conv_dim = mask_dim, divisible by 32 (GroupNorm) and by <paramref name="heads"/></param>
    /// <param name="heads">H_h of the encoder MSDA</param>
    /// <param name="levels">N_l: 4 (strides 8, 16, 32, 64) or 3 (strides 8, 16, 32)</param>
    /// <param name="points">N_p</param>
    /// <param name="feedForwardDim">encoder FFN width</param>
    /// <param name="encoderLayers">L_e</param>
    /// <param name="order">level order of the encoder tokens</param>
    public MaskDinoPixelDecoder(
        long res2Channels, long res3Channels, long res4Channels, long res5Channels,
        long dim, int heads, int levels, int points, long feedForwardDim, int encoderLayers,
        FeatureOrder order = FeatureOrder.LowToHigh)
        : base(nameof(MaskDinoPixelDecoder))
    {
        if (levels is not (ProjectedLevels or ProjectedLevels + 1))
        {
            throw new ArgumentOutOfRangeException(nameof(levels), levels, "the pixel decoder has 3 (strides 8, 16, 32) or 4 levels (and 64)");
        }

        _dim = dim;
        _levels = levels;
        _order = order;
        long[] lateral = order == FeatureOrder.LowToHigh ? [res3Channels, res4Channels, res5Channels] : [res5Channels, res4Channels, res3Channels];
        input_proj = new ModuleList<Sequential>(
            [.. lateral.Select(c => nn.Sequential(nn.Conv2d(c, dim, kernel_size: 1), nn.GroupNorm(32, dim, eps: 1e-5)))]);
        if (levels > ProjectedLevels)
        {
            input_proj.Add(nn.Sequential(nn.Conv2d(res5Channels, dim, kernel_size: 3, stride: 2, padding: 1), nn.GroupNorm(32, dim, eps: 1e-5)));
        }

        level_embed = nn.Parameter(empty(levels, dim));
        encoder = new DeformableEncoder(encoderLayers, dim, feedForwardDim, levels, heads, points);
        adapter_1 = new NormConv2d(res2Channels, dim, kernelSize: 1, relu: false);
        layer_1 = new NormConv2d(dim, dim, kernelSize: 3, relu: true);
        mask_features = nn.Conv2d(dim, dim, kernel_size: 1);
        RegisterComponents();

        using var noGrad = no_grad();
        foreach (var projection in input_proj)
        {
            var conv = (Conv2d)projection[0];
            nn.init.xavier_uniform_(conv.weight!, gain: 1);
            conv.bias!.zero_();
            var groupNorm = (GroupNorm)projection[1];
            groupNorm.weight.fill_(1);                  // TorchSharp 0.107's GroupNorm leaves its affine uninitialised
            groupNorm.bias!.zero_();
        }

        nn.init.normal_(level_embed);
        nn.init.kaiming_uniform_(mask_features.weight!, a: 1);
        mask_features.bias!.zero_();
    }

    public long Dim => _dim;

    public DeformableEncoder Encoder => encoder;

    /// <summary>The learnable level embedding e [N_l, d], N(0, 1) at init.</summary>
    public Parameter LevelEmbedding => level_embed;

    public static MaskDinoPixelDecoder FromOptions(ModelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var channels = options.Backbone.OutChannels;
        return new MaskDinoPixelDecoder(
            channels[0], channels[1], channels[2], channels[3],
            options.HiddenDim, options.Heads, options.FeatureLevels, options.SamplingPoints,
            options.EncoderFeedForward, options.EncoderLayers, options.FeatureOrder);
    }

    /// <summary>Encoder level order as indices into the stride-ordered maps [s8, s16, s32, (s64)].</summary>
    public IReadOnlyList<int> EncoderOrder =>
        _order == FeatureOrder.LowToHigh ? [.. Enumerable.Range(0, _levels)] : [.. Enumerable.Range(0, _levels).Reverse()];

    /// <summary>The input_proj index of the level of stride 8·2^<paramref name="strideLevel"/> (0 = s8 … 3 = s64).</summary>
    public int ProjectionIndex(int strideLevel) =>
        _order == FeatureOrder.HighToLow && strideLevel < ProjectedLevels ? ProjectedLevels - 1 - strideLevel : strideLevel;

    /// <param name="features">backbone res2..res5 ([B, C_l, H/s, W/s] for s = 4, 8, 16, 32)</param>
    /// <returns>maps by increasing stride ([B, d, H_l, W_l]), mask features [B, d, H/4, W/4] and memory_enc [B, S, d]</returns>
    public override PixelDecoderOutput forward(ResNetFeatures features)
    {
        ArgumentNullException.ThrowIfNull(features);
        using var scope = NewDisposeScope();
        var projected = new List<Tensor>
        {
            input_proj[ProjectionIndex(0)].call(features.Res3),
            input_proj[ProjectionIndex(1)].call(features.Res4),
            input_proj[ProjectionIndex(2)].call(features.Res5),
        };
        if (_levels > ProjectedLevels)
        {
            projected.Add(input_proj[ProjectedLevels].call(features.Res5));                 // raw res5, stride 2: ⌈H/32 / 2⌉ × ⌈W/32 / 2⌉
        }

        var order = EncoderOrder;
        var inEncoderOrder = order.Select(i => projected[i]).ToArray();
        var levels = new LevelShapes([.. inEncoderOrder.Select(p => (p.shape[2], p.shape[3]))]);
        long batch = features.Res3.shape[0];

        var source = cat([.. inEncoderOrder.Select(p => p.flatten(2).transpose(1, 2))], 1);     // [B, S, d]
        var position = cat(
            [.. Enumerable.Range(0, levels.Count).Select(l =>
                SineEmbedding.Map(levels.Sizes[l].Height, levels.Sizes[l].Width, (int)_dim, source.device) + level_embed[l])],
            0).unsqueeze(0).expand(batch, levels.TotalTokens, _dim);                           // [B, S, d]
        var memory = encoder.call(source, position, levels);                                   // [B, S, d]

        var split = memory.split([.. Enumerable.Range(0, levels.Count).Select(levels.TokenCount)], 1)
            .Select((z, l) => z.transpose(1, 2).view(batch, _dim, levels.Sizes[l].Height, levels.Sizes[l].Width))
            .ToArray();                                                                         // encoder order
        var maps = new Tensor[_levels];
        for (var l = 0; l < _levels; l++)
        {
            maps[order[l]] = split[l];                                                          // by increasing stride
        }

        var lateral = adapter_1.call(features.Res2);                                           // [B, d, H/4, W/4]
        var upsampled = nn.functional.interpolate(
            maps[0], size: [lateral.shape[2], lateral.shape[3]], mode: InterpolationMode.Bilinear, align_corners: false);
        var fused = layer_1.call(lateral + upsampled);
        var maskFeatures = mask_features.call(fused);                                          // [B, d, H/4, W/4]

        return new PixelDecoderOutput(
            [.. maps.Select(m => m.MoveToOuterDisposeScope())],
            maskFeatures.MoveToOuterDisposeScope(),
            memory.MoveToOuterDisposeScope(),
            levels,
            order);
    }
}
