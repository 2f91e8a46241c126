using DiMaskDino.Model.Bato;
using DiMaskDino.Model.Common;
using DiMaskDino.Model.Heads;
using DiMaskDino.Model.Query;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.Bato;

public sealed class BatoBlockTests
{
    private const int D = 128;
    private const int Q = 50;
    private const int G = 10;
    private static readonly LevelShapes Decoder128 = new([(2, 2), (4, 4), (8, 8), (16, 16)]);

    [Theory]
    [InlineData(128, 4, 512, 198_272)]    // TINY (model.md §14.2 #18)
    [InlineData(256, 8, 2048, 1_315_072)] // paper (§11)
    public void Update_block_has_the_specified_parameter_count(int dim, int heads, int ffn, long expected)
    {
        using var block = new BatoBlock(dim, heads, ffn, 300, 50);
        Assert.Equal(expected, block.Update.parameters().Sum(p => p.numel()));
        Assert.Equal(expected + dim * dim * 9 + 2 * dim, block.parameters().Sum(p => p.numel())); // + conv 3×3 + GN
    }

    [Fact]
    public void Tiny_shapes_match_the_specification()
    {
        using var scope = NewDisposeScope();
        manual_seed(31);
        using var block = new BatoBlock(D, 4, 512, Q, G);
        using var heads = new PredictionHeads(D, 10, D);
        using var output = block.call(randn(2, 8 + Q, D), randn(2, 8 + Q, D), randn(2, 340, D), randn(2, D, 32, 32), Decoder128, heads);
        Assert.Equal(new long[] { 2, G, D }, output.MaskTokens.shape);   // guiding tokens (2, 10, 128)
        Assert.Equal(new long[] { 2, G, D }, output.BoxTokens.shape);
        Assert.Equal(new long[] { 2, G }, output.Indices.shape);
        Assert.Equal(new long[] { 2, 340, D }, output.Memory.shape);
        Assert.Equal(new long[] { 2, D, 32, 32 }, output.MaskFeatures.shape); // F_upd (2, 128, 32, 32)
    }

    [Fact]
    public void Guiding_tokens_are_the_top_g_matching_queries_by_raw_class_score()
    {
        using var scope = NewDisposeScope();
        manual_seed(32);
        using var block = new BatoBlock(D, 4, 512, Q, G);
        using var heads = new PredictionHeads(D, 10, D);
        const int dn = 6;
        var content = randn(2, dn + Q, D) * 3;
        var position = randn(2, dn + Q, D);
        using var output = block.call(content, position, randn(2, 340, D), randn(2, D, 32, 32), Decoder128, heads);

        var xg = content[TensorIndex.Colon, TensorIndex.Slice(dn, null)];
        var pg = position[TensorIndex.Colon, TensorIndex.Slice(dn, null)];
        var (_, expectedIndices) = heads.ClassLogits(xg).amax([-1]).topk(G, dim: 1);
        Assert.True((expectedIndices == output.Indices).all().item<bool>());
        Assert.True(allclose(TwoStageSelection.Gather(heads.MaskEmbedding(xg), expectedIndices), output.MaskTokens, 1e-6, 1e-6));
        Assert.True(allclose(TwoStageSelection.Gather(pg, expectedIndices), output.BoxTokens));
        // The normalised content would select differently (no LayerNorm in GTG).
        var (_, normalised) = heads.ClassLogits(heads.Normalize(xg)).amax([-1]).topk(G, dim: 1);
        Assert.False((normalised == output.Indices).all().item<bool>());
    }

    [Fact]
    public void Denoising_rows_are_ignored()
    {
        using var scope = NewDisposeScope();
        manual_seed(33);
        using var block = new BatoBlock(D, 4, 512, Q, G);
        using var heads = new PredictionHeads(D, 10, D);
        var content = randn(1, 4 + Q, D);
        var position = randn(1, 4 + Q, D);
        var memory = randn(1, 340, D);
        var features = randn(1, D, 32, 32);
        using var first = block.call(content, position, memory, features, Decoder128, heads);
        var content2 = content.clone();
        var position2 = position.clone();
        content2[TensorIndex.Colon, TensorIndex.Slice(0, 4)] = randn(1, 4, D) * 10;
        position2[TensorIndex.Colon, TensorIndex.Slice(0, 4)] = randn(1, 4, D) * 10;
        using var second = block.call(content2, position2, memory, features, Decoder128, heads);
        Assert.True(allclose(first.Memory, second.Memory));
        Assert.True(allclose(first.MaskFeatures, second.MaskFeatures));
    }

    [Fact]
    public void Memory_update_uses_plain_decoder_order_sine_queries_and_mask_plus_box_keys()
    {
        using var scope = NewDisposeScope();
        manual_seed(34);
        using var block = new BatoBlock(D, 4, 512, Q, G);
        using var heads = new PredictionHeads(D, 10, D);
        var memory = randn(2, 340, D);
        using var output = block.call(randn(2, Q, D), randn(2, Q, D), memory, randn(2, D, 32, 32), Decoder128, heads);

        // posD built by hand: §3.2 sine per level in decoder order [2², 4², 8², 16²], no level embedding.
        var posD = cat([SineEmbedding.Map(2, 2, D), SineEmbedding.Map(4, 4, D), SineEmbedding.Map(8, 8, D), SineEmbedding.Map(16, 16, D)], 0);
        Assert.True(allclose(posD, BatoBlock.MemoryPosition(Decoder128, D)));
        var expected = block.Update.call(memory, posD.unsqueeze(0), output.MaskTokens, output.BoxTokens);
        Assert.True(allclose(expected, output.Memory, 1e-5, 1e-5));
        // Swapping the roles of the token kinds changes the result (value = T_mask only).
        var swapped = block.Update.call(memory, posD.unsqueeze(0), output.BoxTokens, output.MaskTokens);
        Assert.False(allclose(swapped, output.Memory, 1e-3, 1e-3));
    }

    [Fact]
    public void Mask_features_fuse_only_the_upsampled_stride8_level_of_the_updated_memory()
    {
        using var scope = NewDisposeScope();
        manual_seed(35);
        using var block = new BatoBlock(D, 4, 512, Q, G);
        using var heads = new PredictionHeads(D, 10, D);
        var features = randn(2, D, 32, 32);
        using var output = block.call(randn(2, Q, D), randn(2, Q, D), randn(2, 340, D), features, Decoder128, heads);

        var stride8 = output.Memory[TensorIndex.Colon, TensorIndex.Slice(84, 340)].transpose(1, 2).reshape(2, D, 16, 16);
        var upsampled = nn.functional.interpolate(stride8, size: [32, 32], mode: InterpolationMode.Bilinear, align_corners: false);
        var expected = nn.functional.relu(nn.functional.group_norm(
            nn.functional.conv2d(features + upsampled, block.FusionConv.Weight, padding: [1, 1]), 32, eps: 1e-5));
        Assert.True(allclose(expected, output.MaskFeatures, 1e-4, 1e-5));
        Assert.True(output.MaskFeatures.min().item<float>() >= 0f);
    }
}
