// Loss term values: focal (§14.2 item 10), dice (item 11), BCE, L1, GIoU, point sampling gradients (model.md §9.3).
using DiMaskDino.Model.Losses;
using DiMaskDino.Model.Matching;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.Losses;

public sealed class LossFunctionTests
{
    [Fact]
    public void Focal_loss_of_two_zero_logit_queries_with_one_positive_is_0_173287()
    {
        using var scope = NewDisposeScope();
        var logits = zeros(1, 2, 1);
        var targets = tensor(new[] { 1f, 0f }).reshape(1, 2, 1);

        // 0.25·0.25·ln2 + 0.75·0.25·ln2 (model.md §14.2 item 10)
        Assert.Equal(0.173287, FocalLoss.Sigmoid(logits, targets, 1f).item<float>(), 6);
    }

    [Fact]
    public void Focal_loss_down_weights_confident_correct_predictions_and_divides_by_the_normaliser()
    {
        using var scope = NewDisposeScope();
        var targets = tensor(new[] { 1f, 0f }).reshape(1, 2, 1);
        var confident = tensor(new[] { 5f, -5f }).reshape(1, 2, 1);

        var loss = FocalLoss.Sigmoid(confident, targets, 1f).item<float>();

        Assert.InRange(loss, 0f, 1e-4f);
        // α_t = 0.25 for a positive alone: 0.25·0.25·ln2 (0.75 would mean α is applied to the wrong side).
        Assert.Equal(0.0433217, FocalLoss.Sigmoid(zeros(1, 1, 1), ones(1, 1, 1), 1f).item<float>(), 6);
        Assert.Equal(0.173287 / 4, FocalLoss.Sigmoid(zeros(1, 2, 1), targets, 4f).item<float>(), 6);
    }

    [Fact]
    public void Dice_of_zero_logits_on_four_points_with_target_1100_is_0_4()
    {
        using var scope = NewDisposeScope();
        var logits = zeros(1, 4);
        var labels = tensor(new[] { 1f, 1f, 0f, 0f }).reshape(1, 4);

        // 1 − (2·1 + 1)/(2 + 2 + 1) (model.md §14.2 item 11)
        Assert.Equal(0.4, MaskLosses.Dice(logits, labels, 1f).item<float>(), 6);
    }

    [Fact]
    public void Mask_bce_is_the_mean_over_points_summed_over_masks_over_the_normaliser()
    {
        using var scope = NewDisposeScope();
        var labels = tensor(new[] { 1f, 0f, 1f, 1f, 0f, 0f }).reshape(2, 3);

        Assert.Equal(Math.Log(2), MaskLosses.SigmoidCe(zeros(2, 3), labels, 2f).item<float>(), 6);
    }

    [Fact]
    public void Box_losses_match_hand_computed_l1_and_giou()
    {
        using var scope = NewDisposeScope();
        // xyxy (0.4, 0.4, 0.6, 0.6) vs (0.3, 0.3, 0.5, 0.7): IoU 0.02/0.10, hull 0.12 → GIoU 0.2 − 0.02/0.12.
        var predicted = tensor(new[] { 0.5f, 0.5f, 0.2f, 0.2f }).reshape(1, 4);
        var target = tensor(new[] { 0.4f, 0.5f, 0.2f, 0.4f }).reshape(1, 4);

        Assert.Equal(0.3, BoxLosses.L1(predicted, target, 1f).item<float>(), 6);
        Assert.Equal(1 - (0.2 - 0.02 / 0.12), BoxLosses.Giou(predicted, target, 1f).item<float>(), 5);
        Assert.Equal(0.0, BoxLosses.Giou(target, target, 1f).item<float>(), 6);
    }

    [Fact]
    public void Sampled_labels_carry_no_gradient_and_sampled_logits_do()
    {
        using var scope = NewDisposeScope();
        manual_seed(8);
        var predicted = randn(2, 8, 8).requires_grad_();
        var targets = (rand(2, 32, 32) > 0.5f).to_type(ScalarType.Float32).requires_grad_();
        using var generator = new Generator(3);

        var samples = MaskLosses.SamplePoints(predicted, targets, new MaskPointOptions(64), generator);
        (MaskLosses.SigmoidCe(samples.Logits, samples.Labels, 1f) + MaskLosses.Dice(samples.Logits, samples.Labels, 1f))
            .backward();

        Assert.Equal(new long[] { 2, 64 }, samples.Logits.shape);
        Assert.False(samples.Labels.requires_grad);
        Assert.Null(targets.grad);
        Assert.True(predicted.grad!.isfinite().all().item<bool>());
        Assert.True(predicted.grad!.abs().sum().item<float>() > 0);
    }
}
