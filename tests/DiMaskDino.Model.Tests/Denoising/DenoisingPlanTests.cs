using DiMaskDino.Model.Attention;
using DiMaskDino.Model.Denoising;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.Denoising;

public sealed class DenoisingPlanTests
{
    [Theory]
    [InlineData(new[] { 3, 5, 0 }, 20, 4, 5)]
    [InlineData(new[] { 7 }, 20, 2, 7)]
    [InlineData(new[] { 1, 1 }, 100, 100, 1)]
    [InlineData(new[] { 30, 2 }, 100, 3, 30)]
    [InlineData(new[] { 100 }, 100, 1, 100)]
    public void Groups_are_dn_num_divided_by_the_largest_gt_count(int[] counts, int dnNum, int groups, int pad)
    {
        var plan = DenoisingPlan.Create(counts, dnNum);

        Assert.NotNull(plan);
        Assert.Equal(groups, plan!.Groups);
        Assert.Equal(pad, plan.Pad);
        Assert.Equal(groups * pad, plan.Count);
    }

    [Theory]
    [InlineData(new[] { 0, 0 }, 100)]
    [InlineData(new int[0], 100)]
    [InlineData(new[] { 101, 3 }, 100)]
    [InlineData(new[] { 21 }, 20)]
    public void No_denoising_without_gt_or_with_more_objects_than_dn_num(int[] counts, int dnNum)
    {
        Assert.Null(DenoisingPlan.Create(counts, dnNum));
    }

    [Fact]
    public void Attention_mask_reproduces_the_specification_example()
    {
        using var scope = NewDisposeScope();
        var plan = DenoisingPlan.Create([2, 1], 4)!;                              // groups 2, pad 2
        Assert.Equal((2, 2), (plan.Groups, plan.Pad));

        var mask = DenoisingAttentionMask.Build(plan, 3);

        string[] expected =
        [
            "..XX...",
            "..XX...",
            "XX.....",
            "XX.....",
            "XXXX...",
            "XXXX...",
            "XXXX...",
        ];
        var rows = Enumerable.Range(0, 7)
            .Select(r => new string(mask[r].data<bool>().Select(b => b ? 'X' : '.').ToArray()))
            .ToArray();
        Assert.Equal(expected, rows);
    }

    [Fact]
    public void Attention_mask_with_three_groups_blocks_every_other_group()
    {
        using var scope = NewDisposeScope();
        var plan = DenoisingPlan.Create([3], 9)!;                                 // groups 3, pad 3

        var mask = DenoisingAttentionMask.Build(plan, 2);

        for (var r = 0; r < 11; r++)
        {
            for (var c = 0; c < 11; c++)
            {
                var blocked = c < 9 && (r >= 9 || r / 3 != c / 3);
                Assert.Equal(blocked, mask[r, c].item<bool>());
            }
        }
    }

    [Fact]
    public void Masked_self_attention_hides_dn_queries_from_matching_queries()
    {
        using var scope = NewDisposeScope();
        manual_seed(51);
        using var attention = new MultiHeadAttention(32, 4);
        var plan = DenoisingPlan.Create([2], 4)!;
        var mask = DenoisingAttentionMask.Build(plan, 3);
        var queries = randn(1, 7, 32);
        var changed = queries.clone();
        changed[0, 2] = randn(32);                                                // a DN query of group 1

        var before = attention.call(queries, queries, queries, mask);
        var after = attention.call(changed, changed, changed, mask);

        Assert.True(allclose(after[0, TensorIndex.Slice(4, 7)], before[0, TensorIndex.Slice(4, 7)], atol: 1e-6), "matching rows");
        Assert.True(allclose(after[0, TensorIndex.Slice(0, 2)], before[0, TensorIndex.Slice(0, 2)], atol: 1e-6), "group 0 rows");
        Assert.False(allclose(after[0, 3], before[0, 3], atol: 1e-4), "group 1 sees its own group");
    }

    [Fact]
    public void Split_separates_the_first_p_dn_queries_from_the_matching_ones()
    {
        using var scope = NewDisposeScope();
        var predictions = arange(2 * 7 * 3, dtype: float32).reshape(2, 7, 3);

        using var split = DenoisingSplit.Split(predictions, 4);

        Assert.Equal(new long[] { 2, 4, 3 }, split.Denoising.shape);
        Assert.Equal(new long[] { 2, 3, 3 }, split.Matching.shape);
        Assert.Equal(12f, split.Matching[0, 0, 0].item<float>());
        Assert.Equal(0, DenoisingSplit.Split(predictions, 0).Denoising.shape[1]);
        Assert.Throws<ArgumentOutOfRangeException>(() => DenoisingSplit.Split(predictions, 8));
    }
}
