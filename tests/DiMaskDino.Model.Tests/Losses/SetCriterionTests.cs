// SetCriterion bookkeeping (§14.2 item 14), DN normaliser (§8.4), gradients, determinism, leaks (model.md §9).
using DiMaskDino.Model.Losses;
using DiMaskDino.Model.Matching;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.Losses;

public sealed class SetCriterionTests
{
    private const int Classes = 3;

    private readonly SetCriterion _criterion = new(LossWeights.Paper, new MaskPointOptions(64), denoising: true);

    [Fact]
    public void Paper_depth_with_denoising_has_81_weighted_terms_and_di_aux_sets_have_no_mask_terms()
    {
        using var scope = NewDisposeScope();
        var (outputs, targets) = Batch(decoderLayers: 6, dnGroups: 2, seed: 1);
        using var generator = new Generator(1);

        using var losses = _criterion.Compute(outputs, targets, generator);

        Assert.Equal(81, losses.Entries.Count);
        Assert.Equal(81, losses.Entries.Select(e => e.Name).Distinct().Count());
        Assert.Equal(5, Count(losses, LossSetKind.Main));
        Assert.Equal(5, Count(losses, LossSetKind.Interm));
        Assert.Equal(30, Count(losses, LossSetKind.Aux));
        Assert.Equal(6, Count(losses, LossSetKind.DiAux));
        Assert.Equal(5, Count(losses, LossSetKind.DenoisingMain));
        Assert.Equal(30, Count(losses, LossSetKind.DenoisingAux));
        var diAux = losses.Entries.Where(e => e.Set.Kind == LossSetKind.DiAux).ToArray();
        Assert.DoesNotContain(diAux, e => e.Term is LossTerm.Mask or LossTerm.Dice);
        Assert.Contains(losses.Entries, e => e.Name == "oldm_loss_giou_1");
        Assert.Contains(losses.Entries, e => e.Name == "loss_dice_dn_5");
        Assert.Contains(losses.Entries, e => e.Name == "loss_mask_interm");
    }

    [Fact]
    public void Tiny_depth_has_51_terms_and_steps_without_denoising_report_zero_dn_terms()
    {
        using var scope = NewDisposeScope();
        var (outputs, targets) = Batch(decoderLayers: 3, dnGroups: 2, seed: 2);
        var (withoutDn, _) = Batch(decoderLayers: 3, dnGroups: 0, seed: 2);
        using var g1 = new Generator(2);
        using var g2 = new Generator(2);
        using var g3 = new Generator(2);

        using var tiny = _criterion.Compute(outputs, targets, g1);
        using var skipped = _criterion.Compute(withoutDn, targets, g2);
        var noDnCriterion = new SetCriterion(LossWeights.Paper, new MaskPointOptions(64), denoising: false);
        using var noDn = noDnCriterion.Compute(withoutDn, targets, g3);

        Assert.Equal(51, tiny.Entries.Count); // 5 + 5 + 15 + 6 + 5 + 15
        Assert.Equal(51, skipped.Entries.Count);
        var dnValues = skipped.ReadValues().Entries.Where(e => e.Set.Kind is LossSetKind.DenoisingMain or LossSetKind.DenoisingAux);
        Assert.All(dnValues, e => Assert.Equal(0f, e.Value));
        Assert.Equal(31, noDn.Entries.Count); // 5 + 5 + 15 + 6
    }

    [Fact]
    public void Total_is_the_weighted_sum_of_the_terms()
    {
        using var scope = NewDisposeScope();
        var (outputs, targets) = Batch(decoderLayers: 3, dnGroups: 2, seed: 3);
        using var generator = new Generator(3);

        using var losses = _criterion.Compute(outputs, targets, generator);
        var values = losses.ReadValues();

        Assert.Equal(values.Entries.Sum(e => (double)e.Weighted), values.Total, 3);
        Assert.All(values.Entries, e => Assert.Equal(LossWeights.Paper.For(e.Term), e.Weight));
        Assert.Equal(losses[LossSet.Aux(1), LossTerm.Dice].item<float>(),
            values.Entries.Single(e => e.Name == "loss_dice_1").Value);
    }

    [Fact]
    public void Losses_are_differentiable_with_finite_gradients_for_every_prediction()
    {
        using var scope = NewDisposeScope();
        var (outputs, targets) = Batch(decoderLayers: 3, dnGroups: 2, seed: 4);
        using var generator = new Generator(4);

        using (var losses = _criterion.Compute(outputs, targets, generator))
        {
            losses.Total.backward();
        }

        Assert.All(CriterionTestData.Leaves(outputs), leaf =>
        {
            Assert.NotNull(leaf.grad);
            Assert.True(leaf.grad!.isfinite().all().item<bool>());
            Assert.True(leaf.grad!.abs().sum().item<float>() > 0);
        });
    }

    [Fact]
    public void Same_generator_seed_gives_identical_losses()
    {
        using var scope = NewDisposeScope();
        var (outputs, targets) = Batch(decoderLayers: 3, dnGroups: 2, seed: 5);
        using var g1 = new Generator(17);
        using var g2 = new Generator(17);
        using var g3 = new Generator(18);

        using var first = _criterion.Compute(outputs, targets, g1);
        using var second = _criterion.Compute(outputs, targets, g2);
        using var other = _criterion.Compute(outputs, targets, g3);

        Assert.Equal(first.ReadValues().Entries.Select(e => e.Value), second.ReadValues().Entries.Select(e => e.Value));
        Assert.NotEqual(first.ReadValues().Total, other.ReadValues().Total);
    }

    [Fact]
    public void Denoising_uses_the_fixed_assignment_and_num_gt_times_groups()
    {
        using var scope = NewDisposeScope();
        var (outputs, targets) = Batch(decoderLayers: 3, dnGroups: 3, seed: 6);
        var dn = outputs.Dn!;
        // Every DN slot of GT j predicts that GT's box shifted by 0.01 on every coordinate (padding slots untouched).
        using (no_grad())
        {
            for (var b = 0; b < targets.Length; b++)
            {
                for (var g = 0; g < dn.Groups; g++)
                {
                    dn.Main.Boxes[b].narrow(0, g * dn.SlotsPerGroup, targets[b].Count).copy_(targets[b].Boxes + 0.01f);
                }
            }
        }

        using var generator = new Generator(6);
        using var losses = _criterion.Compute(outputs, targets, generator);

        // Σ over groups·num_gt pairs of 4 · 0.01, divided by num_gt · groups.
        Assert.Equal(0.04, losses[LossSet.DenoisingMain, LossTerm.Bbox].item<float>(), 5);
    }

    [Fact]
    public void Predictions_equal_to_their_matched_targets_give_zero_box_losses()
    {
        using var scope = NewDisposeScope();
        var (outputs, targets) = Batch(decoderLayers: 3, dnGroups: 2, seed: 7);
        using (no_grad())
        {
            // Equal class and mask logits for every query make the class and mask costs the same for every query, so
            // the boxes alone decide the match, whatever random values the batch got (the global TorchSharp generator
            // is shared with tests running in parallel, so seeding it does not pin them).
            outputs.Main.Logits.zero_();
            outputs.Main.Masks!.zero_();
            for (var b = 0; b < targets.Length; b++)
            {
                // Targets land on queries 5, 4, ... so the match must follow the boxes, not the query order.
                for (var j = 0; j < targets[b].Count; j++)
                {
                    outputs.Main.Boxes[b][5 - j].copy_(targets[b].Boxes[j]);
                }
            }
        }

        using var generator = new Generator(7);
        using var losses = _criterion.Compute(outputs, targets, generator);

        Assert.Equal(0f, losses[LossSet.Main, LossTerm.Bbox].item<float>(), 6);
        Assert.Equal(0f, losses[LossSet.Main, LossTerm.Giou].item<float>(), 5);
    }

    [Fact]
    public void Batch_without_any_ground_truth_gives_finite_losses_and_zero_mask_terms()
    {
        using var scope = NewDisposeScope();
        var random = new Random(8);
        var targets = new[] { CriterionTestData.Target(0, Classes, random), CriterionTestData.Target(0, Classes, random) };
        var outputs = CriterionTestData.Outputs(targets, Classes, decoderLayers: 3, dnGroups: 2);
        using var generator = new Generator(8);

        using var losses = _criterion.Compute(outputs, targets, generator);
        losses.Total.backward();
        var values = losses.ReadValues();

        Assert.Null(outputs.Dn);
        Assert.Equal(51, values.Entries.Count);
        Assert.True(float.IsFinite(values.Total) && values.Total > 0, "the class loss still pushes every query to background");
        Assert.Equal(0f, values.Entries.Single(e => e.Name == "loss_mask").Value);
    }

    [Fact]
    public void Compute_and_backward_leave_no_live_tensors()
    {
        using var scope = NewDisposeScope();
        var (outputs, targets) = Batch(decoderLayers: 3, dnGroups: 2, seed: 9);
        using var generator = new Generator(9);
        TorchSharp.DisposeScopeManager.Statistics.Reset();

        using (var losses = _criterion.Compute(outputs, targets, generator))
        {
            losses.Total.backward();
            _ = losses.ReadValues();
        }

        Assert.Equal(0, TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void Mismatched_targets_are_rejected_at_the_boundary()
    {
        using var scope = NewDisposeScope();
        var (outputs, targets) = Batch(decoderLayers: 3, dnGroups: 2, seed: 10);
        using var generator = new Generator(10);
        var badLabel = new ImageTarget(tensor(new long[] { Classes }), targets[0].Boxes.narrow(0, 0, 1), targets[0].Masks.narrow(0, 0, 1));

        Assert.Throws<ArgumentException>(() => _criterion.Compute(outputs, targets.Take(1).ToArray(), generator));
        Assert.Throws<ArgumentException>(() => _criterion.Compute(outputs, [badLabel, targets[1]], generator));
    }

    private static int Count(LossBreakdown losses, LossSetKind kind) => losses.Entries.Count(e => e.Set.Kind == kind);

    /// <summary>Two images with 2 and 3 objects and matching outputs; tensors land in the caller's scope.</summary>
    private static (TrainingOutputs Outputs, ImageTarget[] Targets) Batch(int decoderLayers, int dnGroups, int seed)
    {
        manual_seed(seed);
        var random = new Random(seed);
        var targets = new[] { CriterionTestData.Target(2, Classes, random), CriterionTestData.Target(3, Classes, random) };
        return (CriterionTestData.Outputs(targets, Classes, decoderLayers, dnGroups), targets);
    }
}
