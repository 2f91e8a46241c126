// Point sampling conventions and importance sampling (model.md §9.1, §9.3, §14.2 item 2).
using DiMaskDino.Model.Matching;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.Matching;

public sealed class PointSamplingTests
{
    [Fact]
    public void Sampling_at_a_pixel_centre_returns_that_pixel_and_a_corner_returns_a_quarter_of_it()
    {
        using var scope = NewDisposeScope();
        var map = arange(12f).reshape(1, 3, 4) + 1; // [1, H=3, W=4], pixel (i, j) = 4i + j + 1
        // (x, y) = ((j + 0.5)/W, (i + 0.5)/H) for pixel (row 2, column 1), then the corner (0, 0).
        var points = tensor(new[] { 1.5f / 4, 2.5f / 3, 0f, 0f }).reshape(2, 2);

        var values = PointSampling.Sample(map, points).data<float>().ToArray();

        Assert.Equal(10f, values[0], 5);
        Assert.Equal(0.25f * 1f, values[1], 5);
    }

    [Fact]
    public void Shared_points_give_the_same_values_as_per_map_copies()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var maps = randn(3, 5, 7);
        var points = rand(11, 2);

        var shared = PointSampling.Sample(maps, points);
        var perMap = PointSampling.Sample(maps, points.unsqueeze(0).expand(3, -1, -1));

        Assert.Equal(new long[] { 3, 11 }, shared.shape);
        Assert.True(allclose(shared, perMap));
    }

    [Fact]
    public void Uniform_points_are_reproducible_with_a_seeded_generator_and_lie_in_the_unit_square()
    {
        using var scope = NewDisposeScope();
        using var g1 = new Generator(42);
        using var g2 = new Generator(42);
        using var g3 = new Generator(43);

        var a = PointSampling.UniformPoints(2, 100, g1);
        var b = PointSampling.UniformPoints(2, 100, g2);
        var c = PointSampling.UniformPoints(2, 100, g3);

        Assert.Equal(new long[] { 2, 100, 2 }, a.shape);
        Assert.True(a.equal(b).all().item<bool>());
        Assert.False(a.equal(c).all().item<bool>());
        Assert.True((a >= 0).all().item<bool>() && (a < 1).all().item<bool>());
    }

    [Fact]
    public void Point_counts_follow_the_oversample_and_importance_ratios()
    {
        var paper = new MaskPointOptions(12544);
        var tiny = new MaskPointOptions(1024);

        Assert.Equal((37632, 9408, 3136), (paper.CandidateCount, paper.UncertainCount, paper.RandomCount));
        Assert.Equal((3072, 768, 256), (tiny.CandidateCount, tiny.UncertainCount, tiny.RandomCount));
    }

    [Fact]
    public void Importance_points_keep_the_most_uncertain_candidates_first_and_carry_no_gradient()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(7);
        // Left half logit 0 (maximally uncertain), right half logit 20: sampled |logit| is 0 for x ≤ 3.5/8.
        var logits = cat([zeros(2, 8, 4), full(2L, 8L, 4L, 20f)], 2).requires_grad_();
        var options = new MaskPointOptions(64);

        var points = PointSampling.ImportancePoints(logits, options, generator);

        Assert.Equal(new long[] { 2, 64, 2 }, points.shape);
        Assert.False(points.requires_grad);
        var uncertainX = points.narrow(1, 0, options.UncertainCount).select(-1, 0);
        Assert.True((uncertainX <= 3.5f / 8 + 1e-6f).all().item<bool>());
        var randomX = points.narrow(1, options.UncertainCount, options.RandomCount).select(-1, 0);
        Assert.True((randomX > 0.5f).any().item<bool>(), "the fresh points are uniform, not importance-selected");
    }

    [Fact]
    public void Importance_points_are_deterministic_for_a_seed()
    {
        using var scope = NewDisposeScope();
        manual_seed(0);
        var logits = randn(3, 6, 6);
        var options = new MaskPointOptions(32);
        using var g1 = new Generator(11);
        using var g2 = new Generator(11);

        Assert.True(PointSampling.ImportancePoints(logits, options, g1)
            .equal(PointSampling.ImportancePoints(logits, options, g2)).all().item<bool>());
    }
}
