// BoxOps: hand-computed IoU/GIoU values (model.md §9.1, §9.3).
using DiMaskDino.Model.Boxes;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.Boxes;

public sealed class BoxOpsTests
{
    // Hand-computed: A = (0,0,2,2); B = (1,1,3,3) overlaps A in 1, union 7, hull 9; C = (2,0,3,1) is disjoint from
    // A' = (0,0,1,1) with hull 3; D = (0.5,0.5,1.5,1.5) lies inside A.
    [Theory]
    [InlineData(0f, 0f, 2f, 2f, 1f, 1f, 3f, 3f, 1.0 / 7, 1.0 / 7 - 2.0 / 9)]
    [InlineData(0f, 0f, 1f, 1f, 2f, 0f, 3f, 1f, 0.0, -1.0 / 3)]
    [InlineData(0f, 0f, 2f, 2f, 0.5f, 0.5f, 1.5f, 1.5f, 0.25, 0.25)]
    [InlineData(0.1f, 0.2f, 0.7f, 0.9f, 0.1f, 0.2f, 0.7f, 0.9f, 1.0, 1.0)]
    public void Iou_and_generalized_iou_match_hand_computed_values(
        float ax0, float ay0, float ax1, float ay1, float bx0, float by0, float bx1, float by1, double iou, double giou)
    {
        using var scope = NewDisposeScope();
        var a = tensor(new[] { ax0, ay0, ax1, ay1 }).reshape(1, 4);
        var b = tensor(new[] { bx0, by0, bx1, by1 }).reshape(1, 4);

        Assert.Equal(iou, BoxOps.Iou(a, b).item<float>(), 5);
        Assert.Equal(giou, BoxOps.GeneralizedIou(a, b).item<float>(), 5);
        Assert.Equal(giou, BoxOps.GeneralizedIou(b, a).item<float>(), 5);
        Assert.Equal(giou, BoxOps.ElementwiseGeneralizedIou(a, b).item<float>(), 5);
    }

    [Fact]
    public void Area_is_width_times_height()
    {
        using var scope = NewDisposeScope();
        var boxes = tensor(new[] { 0f, 0f, 2f, 3f, 1f, 1f, 1.5f, 2f }).reshape(2, 4);

        Assert.Equal(new[] { 6f, 0.5f }, BoxOps.Area(boxes).data<float>().ToArray());
    }

    [Fact]
    public void Pairwise_generalized_iou_is_n_by_m_and_its_diagonal_is_the_elementwise_version()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        var corners1 = rand(5, 2);
        var boxes1 = cat([corners1, corners1 + rand(5, 2) + 0.01f], 1);
        var corners2 = rand(5, 2);
        var boxes2 = cat([corners2, corners2 + rand(5, 2) + 0.01f], 1);

        var pairwise = BoxOps.GeneralizedIou(boxes1, boxes2);
        var pairwiseIou = BoxOps.Iou(boxes1.narrow(0, 0, 3), boxes2);

        Assert.Equal(new long[] { 5, 5 }, pairwise.shape);
        Assert.Equal(new long[] { 3, 5 }, pairwiseIou.shape);
        Assert.True(allclose(pairwise.diagonal(), BoxOps.ElementwiseGeneralizedIou(boxes1, boxes2), atol: 1e-6));
        Assert.True((pairwise.narrow(0, 0, 3) <= pairwiseIou + 1e-6f).all().item<bool>(), "GIoU never exceeds IoU");
        Assert.True((pairwise >= -1f).all().item<bool>() && (pairwise <= 1f).all().item<bool>());
    }

    [Fact]
    public void Generalized_iou_passes_finite_gradients_to_both_box_sets()
    {
        using var scope = NewDisposeScope();
        var a = tensor(new[] { 0.1f, 0.1f, 0.5f, 0.6f, 0.2f, 0.3f, 0.9f, 0.8f }).reshape(2, 4).requires_grad_();
        var b = tensor(new[] { 0.3f, 0.2f, 0.7f, 0.4f, 0.0f, 0.5f, 0.4f, 1.0f }).reshape(2, 4).requires_grad_();

        BoxOps.GeneralizedIou(a, b).sum().backward();

        Assert.True(a.grad!.isfinite().all().item<bool>());
        Assert.True(b.grad!.isfinite().all().item<bool>());
        Assert.True(a.grad!.abs().sum().item<float>() > 0);
    }
}
