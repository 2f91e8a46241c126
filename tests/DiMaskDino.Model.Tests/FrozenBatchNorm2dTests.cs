using DiMaskDino.Model.Backbone;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests;

public sealed class FrozenBatchNorm2dTests
{
    [Fact]
    public void Frozen_batch_norm_has_buffers_and_no_trainable_parameters()
    {
        using var bn = new FrozenBatchNorm2d(8);

        Assert.Empty(bn.parameters());
        Assert.Equal(["weight", "bias", "running_mean", "running_var"], bn.named_buffers().Select(b => b.name));
        Assert.All(bn.buffers(), b => Assert.False(b.requires_grad));
    }

    [Fact]
    public void Frozen_batch_norm_applies_the_fixed_affine_and_passes_gradients_to_its_input()
    {
        using var scope = NewDisposeScope();
        using var bn = new FrozenBatchNorm2d(2);
        var gamma = tensor(new[] { 2f, 0.5f });
        var beta = tensor(new[] { 1f, -1f });
        var mean = tensor(new[] { 3f, -2f });
        var variance = tensor(new[] { 4f, 0.25f });
        var state = bn.state_dict();
        using (no_grad())
        {
            state["weight"].copy_(gamma);
            state["bias"].copy_(beta);
            state["running_mean"].copy_(mean);
            state["running_var"].copy_(variance);
        }

        var input = randn(3, 2, 4, 4, requires_grad: true);
        bn.train(); // frozen in training mode too
        var output = bn.call(input);
        output.sum().backward();

        var scale = (gamma / (variance + 1e-5).sqrt()).reshape(1, 2, 1, 1);
        var expected = input.detach() * scale + (beta - mean * scale.flatten()).reshape(1, 2, 1, 1);
        Assert.True(allclose(output, expected, rtol: 1e-5, atol: 1e-5));
        Assert.True(allclose(input.grad!, scale.expand_as(input), rtol: 1e-6, atol: 1e-6));
        Assert.True(allclose(state["running_mean"], mean), "running statistics must never be updated");
    }

    [Fact]
    public void Fresh_frozen_batch_norm_is_the_identity()
    {
        using var scope = NewDisposeScope();
        using var bn = new FrozenBatchNorm2d(3);
        var input = randn(2, 3, 5, 5);

        Assert.True(allclose(bn.call(input), input, rtol: 1e-6, atol: 1e-6));
    }
}
