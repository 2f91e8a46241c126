using DiMaskDino.Model.Common;
using DiMaskDino.Model.Query;
using DiMaskDino.Model.Tests.Heads;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.Query;

public sealed class ProposalsTests
{
    // Decoder order (§4.1): stride 64 first.
    private static readonly LevelShapes Decoder128 = new([(2, 2), (4, 4), (8, 8), (16, 16)]);
    private static readonly LevelShapes Decoder1024 = new([(16, 16), (32, 32), (64, 64), (128, 128)]);

    [Fact]
    public void Proposals_at_128_match_the_reference_values_and_are_all_valid()
    {
        using var scope = NewDisposeScope();
        var memory = randn(2, 340, 8);

        using var proposals = Proposals.Apply(memory, Decoder128);

        Assert.Equal(new long[] { 2, 340, 4 }, proposals.Logits.shape);
        var first = proposals.Logits[0, 0];
        Assert.True(allclose(first, tensor(new[] { -1.0986123f, -1.0986123f, -2.9444390f, -2.9444390f }), atol: 1e-5));
        var boxes = Proposals.Boxes(Decoder128);
        Assert.True(allclose(boxes[84], tensor(new[] { 0.03125f, 0.03125f, 0.4f, 0.4f }), atol: 1e-7), "level 3 starts at 84");
        Assert.True(allclose(boxes[4], tensor(new[] { 0.125f, 0.125f, 0.1f, 0.1f }), atol: 1e-7), "level 1 (stride 32) has w = 0.1");
        Assert.True(allclose(boxes[85], tensor(new[] { 0.09375f, 0.03125f, 0.4f, 0.4f }), atol: 1e-7), "x runs along a row first");
        Assert.True(proposals.Valid.all().item<bool>());
        Assert.True(TensorAssert.Same(proposals.Memory, memory));
    }

    [Fact]
    public void Invalid_tokens_at_1024_have_infinite_logits_and_zeroed_memory()
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        var memory = randn(1, 21760, 4, requires_grad: true);

        using var proposals = Proposals.Apply(memory, Decoder1024);

        const int firstStride8 = 5376;
        Assert.False(proposals.Valid[0, firstStride8].item<bool>());
        Assert.True(proposals.Logits[0, firstStride8].isposinf().all().item<bool>());
        Assert.True(proposals.Memory[0, firstStride8].abs().sum().item<float>() == 0f);
        Assert.True(proposals.Valid[0, firstStride8 + 129].item<bool>(), "(1.5/128, 1.5/128) is inside (0.01, 0.99)");
        // Outer rings: stride 8 (0.5/128 < 0.01) and stride 16 (0.5/64 < 0.01); stride 32 (0.5/32) is valid.
        Assert.Equal((128 * 128) - (126 * 126) + (64 * 64) - (62 * 62), proposals.Valid.logical_not().sum().item<long>());
        Assert.False(proposals.Logits.isnan().any().item<bool>());

        proposals.Memory.sum().backward();
        Assert.True(memory.grad![0, firstStride8].abs().sum().item<float>() == 0f);
        Assert.True(memory.grad![0, firstStride8 + 129].abs().sum().item<float>() > 0f);
    }

    [Fact]
    public void Validity_is_strict_so_a_50_cell_grid_edge_is_invalid_and_49_is_valid()
    {
        using var scope = NewDisposeScope();
        Assert.False(Proposals.Apply(zeros(1, 2500, 1), new LevelShapes([(50, 50)])).Valid[0, 0].item<bool>());
        Assert.True(Proposals.Apply(zeros(1, 49 * 49, 1), new LevelShapes([(49, 49)])).Valid.all().item<bool>());
    }

    [Fact]
    public void Memory_size_must_match_the_level_shapes()
    {
        using var scope = NewDisposeScope();
        Assert.Throws<ArgumentException>(() => Proposals.Apply(zeros(1, 339, 4), Decoder128));
    }

    [Fact]
    public void Apply_leaves_no_live_tensors()
    {
        using var memory = randn(2, 340, 8);
        LeakCheck.AssertNoLiveTensors(() =>
        {
            using var proposals = Proposals.Apply(memory, Decoder128);
        });
    }
}
