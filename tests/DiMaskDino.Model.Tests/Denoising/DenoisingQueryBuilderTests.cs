using DiMaskDino.Model.Common;
using DiMaskDino.Model.Denoising;
using DiMaskDino.Model.Heads;
using DiMaskDino.Model.Tests.Heads;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.Denoising;

public sealed class DenoisingQueryBuilderTests
{
    private const int D = 128;
    private const int Classes = 10;

    [Fact]
    public void Label_embedding_is_standard_normal_and_named_label_enc()
    {
        manual_seed(61);
        using var builder = new DenoisingQueryBuilder(Classes, D, 0.4);
        var (name, weight) = builder.named_parameters().Single();

        Assert.Equal("label_enc.weight", name);
        Assert.Equal(new long[] { Classes, D }, weight.shape);
        Assert.InRange(weight.mean().item<float>(), -0.1f, 0.1f);
        Assert.InRange(weight.std().item<float>(), 0.9f, 1.1f);
    }

    [Fact]
    public void Queries_fill_group_slots_and_leave_padding_at_zero()
    {
        using var scope = NewDisposeScope();
        manual_seed(62);
        using var builder = new DenoisingQueryBuilder(Classes, D, 0.4);
        var (labels, boxes) = Targets();
        var plan = DenoisingPlan.Create([2, 3], 20)!;                             // 6 groups of 3 slots
        using var generator = new Generator(5);

        using var queries = builder.Build(labels, boxes, plan, generator);

        Assert.Equal(new long[] { 2, 18, D }, queries.Content.shape);
        Assert.Equal(new long[] { 2, 18, 4 }, queries.ReferenceLogits.shape);
        for (var g = 0; g < 6; g++)
        {
            var padding = g * 3 + 2;                                              // image 0 has only 2 GT
            Assert.Equal(-1, queries.Labels[0, padding].item<long>());
            Assert.True(queries.Content[0, padding].abs().sum().item<float>() == 0f);
            Assert.True(queries.ReferenceLogits[0, padding].abs().sum().item<float>() == 0f);
            Assert.True(queries.Labels[1, TensorIndex.Slice(g * 3, (g * 3) + 3)].ge(0).all().item<bool>());
        }

        var embedding = builder.named_parameters().Single().parameter;
        var used = queries.Labels.ge(0);
        var expected = embedding.index_select(0, queries.Labels.clamp(min: 0).flatten()).reshape(2, 18, D) * used.unsqueeze(-1);
        Assert.True(allclose(queries.Content, expected), "content = label_enc(noised label)");
    }

    [Fact]
    public void Box_noise_stays_within_the_scaled_size_and_the_unit_square()
    {
        using var scope = NewDisposeScope();
        manual_seed(63);
        using var builder = new DenoisingQueryBuilder(Classes, D, 0.4);
        var (labels, boxes) = Targets();
        var plan = DenoisingPlan.Create([2, 3], 20)!;
        using var generator = new Generator(6);

        using var queries = builder.Build(labels, boxes, plan, generator);
        var noised = queries.ReferenceLogits.sigmoid();

        var changed = false;
        for (var g = 0; g < plan.Groups; g++)
        {
            for (var b = 0; b < 2; b++)
            {
                for (var j = 0; j < labels[b].shape[0]; j++)
                {
                    var gt = boxes[b][j];
                    var box = noised[b, (g * plan.Pad) + j];
                    var (w, h) = (gt[2].item<float>(), gt[3].item<float>());
                    var limit = tensor(new[] { 0.2f * w, 0.2f * h, 0.4f * w, 0.4f * h }) + 1e-4f;
                    var clamped = box.clamp(1e-5, 1 - 1e-5);
                    Assert.True(((clamped - gt.clamp(1e-5, 1 - 1e-5)).abs() <= limit).all().item<bool>(), $"group {g}, image {b}, gt {j}");
                    changed |= (box - gt).abs().max().item<float>() > 1e-3;
                }
            }
        }

        Assert.True(changed, "boxes are noised");
        Assert.True(noised.ge(0).all().item<bool>() && noised.le(1).all().item<bool>());
    }

    [Fact]
    public void Label_flip_rate_is_half_the_noise_scale_and_seeded_runs_repeat()
    {
        using var scope = NewDisposeScope();
        manual_seed(64);
        using var builder = new DenoisingQueryBuilder(Classes, D, 0.4);
        var labels = Enumerable.Range(0, 50).Select(_ => full(100, 3L, dtype: int64)).ToList();
        var boxes = Enumerable.Range(0, 50).Select(_ => full(100, 4, 0.5f)).ToList();
        var plan = DenoisingPlan.Create([.. Enumerable.Repeat(100, 50)], 400)!;   // 4 groups × 50 images × 100 GT

        using var first = builder.Build(labels, boxes, plan, new Generator(7));
        using var again = builder.Build(labels, boxes, plan, new Generator(7));
        using var other = builder.Build(labels, boxes, plan, new Generator(8));

        // Flipped to a uniform class: P(label ≠ 3) = 0.2 · 9/10 = 0.18.
        var changedRate = first.Labels.ne(3).to(float32).mean().item<float>();
        Assert.InRange(changedRate, 0.17f, 0.19f);
        Assert.True(TensorAssert.Same(first.Labels, again.Labels));
        Assert.True(TensorAssert.Same(first.ReferenceLogits, again.ReferenceLogits));
        Assert.False(TensorAssert.Same(first.ReferenceLogits, other.ReferenceLogits));
        var flippedClasses = first.Labels.masked_select(first.Labels.ne(3)).unique().Item1.numel();
        Assert.Equal(Classes - 1, flippedClasses);
    }

    [Fact]
    public void Dn_queries_keep_their_noised_boxes_through_a_fresh_box_head()
    {
        using var scope = NewDisposeScope();
        manual_seed(65);
        using var builder = new DenoisingQueryBuilder(Classes, D, 0.4);
        using var heads = new PredictionHeads(D, Classes, D);
        var (labels, boxes) = Targets();
        var plan = DenoisingPlan.Create([2, 3], 20)!;
        using var dn = builder.Build(labels, boxes, plan, new Generator(9));
        var matchingContent = randn(2, 5, D);
        var matchingReferences = randn(2, 5, 4);

        var content = cat([dn.Content, matchingContent], 1);                      // DN prepended (§8.2)
        var references = cat([dn.ReferenceLogits, matchingReferences], 1).sigmoid();
        var refined = heads.RefineBoxes(content, references);
        using var split = DenoisingSplit.Split(refined, plan.Count);

        Assert.True(allclose(split.Denoising, dn.ReferenceLogits.sigmoid(), atol: 1e-6));
        Assert.False(allclose(split.Denoising[0, 0], boxes[0][0], atol: 1e-3), "noised, not the GT box");
        Assert.True(allclose(split.Denoising[0, 2], full(4, 0.5f)), "padding slots sit at (0.5, 0.5, 0.5, 0.5)");
    }

    [Fact]
    public void Build_and_backward_leave_no_live_tensors()
    {
        manual_seed(66);
        using var builder = new DenoisingQueryBuilder(Classes, D, 0.4);
        var (labels, boxes) = Targets();
        var plan = DenoisingPlan.Create([2, 3], 20)!;
        using var generator = new Generator(10);

        LeakCheck.AssertNoLiveTensors(() =>
        {
            using var queries = builder.Build(labels, boxes, plan, generator);
            using var loss = queries.Content.sum();
            loss.backward();
        });
        Assert.All(labels.Concat(boxes), t => t.Dispose());
    }

    private static (List<Tensor> Labels, List<Tensor> Boxes) Targets() => (
        [tensor(new long[] { 1, 7 }), tensor(new long[] { 0, 4, 9 })],
        [
            tensor(new[] { 0.3f, 0.4f, 0.2f, 0.3f, 0.7f, 0.6f, 0.4f, 0.5f }).reshape(2, 4),
            tensor(new[] { 0.5f, 0.5f, 1f, 1f, 0.1f, 0.9f, 0.2f, 0.2f, 0.8f, 0.2f, 0.1f, 0.3f }).reshape(3, 4),
        ]);
}
