using DiMaskDino.Model.Common;
using DiMaskDino.Model.DeImbalance;
using DiMaskDino.Model.Heads;
using DiMaskDino.Model.Query;
using DiMaskDino.Model.Tests.Heads;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.DeImbalance;

public sealed class DeImbalanceModuleTests
{
    private const int D = 128;
    private const int Classes = 10;
    private const int K1 = 100;
    private const int Q = 50;
    private static readonly LevelShapes Decoder128 = new([(2, 2), (4, 4), (8, 8), (16, 16)]);

    [Fact]
    public void Module_has_two_identical_ti_layers_shared_box_head_and_own_norm()
    {
        using var module = new DeImbalanceModule(D, 4, 512, 2, Q);
        var parameters = module.named_parameters().ToList();

        var layer0 = parameters.Where(p => p.name.StartsWith("ti_layers.0.", StringComparison.Ordinal)).ToList();
        var layer1 = parameters.Where(p => p.name.StartsWith("ti_layers.1.", StringComparison.Ordinal)).ToList();
        Assert.Equal(12, layer0.Count);
        Assert.All(layer0.Zip(layer1), pair => Assert.True(TensorAssert.Same(pair.First.parameter, pair.Second.parameter)));
        Assert.Equal(2 * 198_272, layer0.Concat(layer1).Sum(p => p.parameter.numel()));
        Assert.Equal(49_408, Sum(parameters, "ti_pos_head."));                    // MLP_2(256 → 128 → 128)
        Assert.Equal(33_540, Sum(parameters, "ti_box."));                         // MLP_3(128 → 128 → 128 → 4)
        Assert.Equal(256, Sum(parameters, "ti_norm."));
        Assert.Equal(2 * 198_272 + 49_408 + 33_540 + 256, parameters.Sum(p => p.parameter.numel()));
        Assert.True(parameters.Single(p => p.name == "ti_box.layers.2.weight").parameter.abs().max().item<float>() == 0f);
        Assert.True(parameters.Single(p => p.name == "ti_box.layers.2.bias").parameter.abs().max().item<float>() == 0f);
    }

    [Fact]
    public void At_init_di_aux_boxes_and_decoder_references_equal_the_mask2box_boxes()
    {
        using var scope = NewDisposeScope();
        manual_seed(31);
        using var parts = new Parts();
        var memory = randn(2, 340, D);
        var maskFeatures = randn(2, D, 32, 32);
        using var front = parts.Front(memory, maskFeatures);

        using var output = parts.Di.call(front.Content, front.ReferenceLogits, parts.Heads, true);

        var initial = front.ReferenceLogits.sigmoid();                             // σ(logit(mask2box box))
        var clamped = MaskToBox.Boxes(front.Interm.Masks).clamp(1e-5, 1 - 1e-5);
        Assert.True(allclose(initial, clamped, atol: 1e-6));
        Assert.Equal(2, output.Aux.Count);
        Assert.All(output.Aux, aux => Assert.True(allclose(aux.Boxes, initial, atol: 1e-5)));
        Assert.All(output.Aux, aux => Assert.Equal(new long[] { 2, K1, Classes }, aux.Logits.shape));
        var selected = TwoStageSelection.Gather(initial, output.Indices);
        Assert.True(allclose(output.Queries.ReferenceLogits.sigmoid(), selected, atol: 1e-5));
        Assert.Equal(new long[] { 2, Q, D }, output.Queries.Content.shape);
    }

    [Fact]
    public void Aux_outputs_apply_two_norms_to_logits_and_the_box_delta_twice()
    {
        using var scope = NewDisposeScope();
        manual_seed(32);
        using var parts = new Parts();
        parts.PerturbTiBox();
        parts.PerturbNorms();
        var content = randn(2, K1, D);
        var references = randn(2, K1, 4) * 2;

        using var interaction = parts.Di.Interact(content, references, parts.Heads, withAux: true);

        var normalised = parts.Norm("ti_norm", interaction.Content);               // LN_ti(X_T)
        var last = interaction.Aux[^1];
        var expectedLogits = parts.Heads.ClassLogits(parts.Norm("decoder_norm", normalised));
        Assert.True(allclose(last.Logits, expectedLogits, rtol: 1e-4, atol: 1e-5));
        Assert.False(allclose(last.Logits, parts.Heads.ClassLogits(normalised), rtol: 1e-2, atol: 1e-2), "LN_dec follows LN_ti");
        var expectedBoxes = (parts.TiBox.call(normalised) + BoxMath.InverseSigmoid(interaction.Boxes)).sigmoid();
        Assert.True(allclose(last.Boxes, expectedBoxes, rtol: 1e-4, atol: 1e-6));
        Assert.False(allclose(last.Boxes, interaction.Boxes, atol: 1e-3), "the aux box is refined once more");
        Assert.False(allclose(interaction.Boxes, references.sigmoid(), atol: 1e-3), "ti_box refines the boxes");
    }

    [Fact]
    public void Second_selection_scores_with_ti_norm_only_and_keeps_raw_content()
    {
        using var scope = NewDisposeScope();
        manual_seed(33);
        using var parts = new Parts();
        parts.PerturbTiBox();
        parts.PerturbNorms();
        var content = randn(2, K1, D) * 2 + 0.5;
        var references = randn(2, K1, 4);

        using var interaction = parts.Di.Interact(content, references, parts.Heads, withAux: false);
        var (queries, indices) = parts.Di.SelectSecond(interaction.Content, interaction.Boxes, parts.Heads);
        using var _ = queries;

        var normalised = parts.Norm("ti_norm", interaction.Content);
        var expected = parts.Heads.ClassLogits(normalised).amax([-1]).topk(Q, dim: 1).indexes;
        var withDecoderNorm = parts.Heads.ClassLogits(parts.Norm("decoder_norm", normalised)).amax([-1]).topk(Q, dim: 1).indexes;
        Assert.Empty(interaction.Aux);
        Assert.True(TensorAssert.Same(indices, expected));
        Assert.False(TensorAssert.Same(indices, withDecoderNorm), "no LN_dec in the second-selection scores");
        Assert.True(TensorAssert.Same(queries.Content, TwoStageSelection.Gather(interaction.Content, indices)));
        Assert.True(allclose(queries.ReferenceLogits, BoxMath.InverseSigmoid(TwoStageSelection.Gather(interaction.Boxes, indices))));
    }

    [Fact]
    public void Permuting_the_first_selected_tokens_permutes_ti_outputs_and_keeps_the_second_selection_set()
    {
        using var scope = NewDisposeScope();
        manual_seed(34);
        using var parts = new Parts();
        parts.PerturbTiBox();
        var content = randn(1, K1, D);
        var references = randn(1, K1, 4) * 2;
        var permutation = randperm(K1);

        using var original = parts.Di.Interact(content, references, parts.Heads, withAux: true);
        using var permuted = parts.Di.Interact(
            content.index_select(1, permutation), references.index_select(1, permutation), parts.Heads, withAux: true);
        using var selected = parts.Di.call(content, references, parts.Heads, false);
        using var selectedPermuted = parts.Di.call(
            content.index_select(1, permutation), references.index_select(1, permutation), parts.Heads, false);

        Assert.True(allclose(permuted.Content, original.Content.index_select(1, permutation), rtol: 1e-4, atol: 1e-5));
        Assert.True(allclose(permuted.Boxes, original.Boxes.index_select(1, permutation), rtol: 1e-4, atol: 1e-6));
        Assert.True(allclose(permuted.Aux[0].Logits, original.Aux[0].Logits.index_select(1, permutation), rtol: 1e-4, atol: 1e-5));
        var set = selected.Indices[0].data<long>().ToHashSet();
        var permutedSet = permutation.index_select(0, selectedPermuted.Indices[0]).data<long>().ToHashSet();
        Assert.True(set.SetEquals(permutedSet));
        Assert.True(allclose(selectedPermuted.Queries.Content, selected.Queries.Content, rtol: 1e-4, atol: 1e-5), "top-k is sorted by score");
    }

    [Fact]
    public void Di_aux_losses_send_no_gradient_to_memory_mask_features_or_encoder_head()
    {
        using var scope = NewDisposeScope();
        manual_seed(35);
        using var parts = new Parts();
        var memory = randn(2, 340, D, requires_grad: true);
        var maskFeatures = randn(2, D, 32, 32, requires_grad: true);
        using var front = parts.Front(memory, maskFeatures);

        using var output = parts.Di.call(front.Content, front.ReferenceLogits, parts.Heads, true);
        var loss = output.Aux.Select(a => a.Logits.sigmoid().sum() + a.Boxes.sum()).Aggregate((a, b) => a + b);
        loss.backward();

        Assert.True(memory.grad is null || memory.grad.abs().sum().item<float>() == 0f);
        Assert.True(maskFeatures.grad is null || maskFeatures.grad.abs().sum().item<float>() == 0f);
        Assert.All(parts.EncoderHead.parameters(), p => Assert.True(p.grad is null || p.grad.abs().sum().item<float>() == 0f));
        Assert.True(GradientNorm(parts.Di, "ti_layers.0.") > 0, "the DI aux losses train the TI layers");
        Assert.True(GradientNorm(parts.Di, "ti_box.") > 0);
    }

    [Fact]
    public void Decoder_references_are_not_detached_and_train_ti_box()
    {
        using var scope = NewDisposeScope();
        manual_seed(36);
        using var parts = new Parts();
        var content = randn(2, K1, D);
        var references = randn(2, K1, 4);

        using var output = parts.Di.call(content, references, parts.Heads, false);
        output.Queries.ReferenceLogits.sum().backward();

        Assert.True(output.Queries.ReferenceLogits.requires_grad, "R0 is not detached");
        Assert.True(GradientNorm(parts.Di, "ti_box.layers.2.") > 0);
        // At init ti_box's last layer is zero, so the box path cannot reach the TI layers yet.
        Assert.Equal(0f, GradientNorm(parts.Di, "ti_layers."));
    }

    [Fact]
    public void Decoder_queries_carry_gradient_to_every_ti_layer_through_content_and_boxes()
    {
        using var scope = NewDisposeScope();
        manual_seed(37);
        using var parts = new Parts();
        parts.PerturbTiBox();
        var content = randn(2, K1, D);
        var references = randn(2, K1, 4);

        using (var output = parts.Di.call(content, references, parts.Heads, false))
        {
            output.Queries.Content.square().mean().backward();
        }

        var fromContent = (GradientNorm(parts.Di, "ti_layers.0."), GradientNorm(parts.Di, "ti_layers.1."));
        parts.Di.zero_grad();
        using (var output = parts.Di.call(content, references, parts.Heads, false))
        {
            output.Queries.ReferenceLogits.sum().backward();
        }

        Assert.True(fromContent.Item1 > 0 && fromContent.Item2 > 0, "Q0 is the raw TI output");
        Assert.True(GradientNorm(parts.Di, "ti_layers.1.") > 0, "R0 = σ(ti_box(X_T) + …) depends on the last TI layer");
    }

    [Fact]
    public void Di_forward_and_backward_leave_no_live_tensors()
    {
        manual_seed(37);
        using var parts = new Parts();
        using var content = randn(2, K1, D);
        using var references = randn(2, K1, 4);

        LeakCheck.AssertNoLiveTensors(() =>
        {
            using var output = parts.Di.call(content, references, parts.Heads, true);
            using var contentSum = output.Queries.Content.sum();
            using var auxSum = output.Aux[0].Boxes.sum();
            using var loss = contentSum + auxSum;
            loss.backward();
        });
    }

    private static long Sum(IEnumerable<(string name, Parameter parameter)> parameters, string prefix) =>
        parameters.Where(p => p.name.StartsWith(prefix, StringComparison.Ordinal)).Sum(p => p.parameter.numel());

    private static float GradientNorm(DeImbalanceModule module, string prefix) =>
        module.named_parameters()
            .Where(p => p.name.StartsWith(prefix, StringComparison.Ordinal) && p.parameter.grad is not null)
            .Sum(p => p.parameter.grad!.abs().sum().item<float>());

    /// <summary>TINY-sized heads, encoder-output head and DI module.</summary>
    private sealed class Parts : IDisposable
    {
        public PredictionHeads Heads { get; } = new(D, Classes, D);

        public EncoderOutputHead EncoderHead { get; } = new(D);

        public DeImbalanceModule Di { get; } = new(D, 4, 512, 2, Q);

        public Mlp TiBox => (Mlp)Di.named_children().Single(c => c.name == "ti_box").module;

        public TwoStageOutput Front(Tensor memory, Tensor maskFeatures)
        {
            using var proposals = Proposals.Apply(memory, Decoder128);
            using var encoded = EncoderHead.Predict(proposals, Heads);
            return TwoStageSelection.Run(encoded, Heads, maskFeatures, K1);
        }

        private IEnumerable<(string Name, Parameter Parameter)> NormParameters() =>
            Di.named_parameters().Where(p => p.name.StartsWith("ti_norm.", StringComparison.Ordinal))
                .Concat(Heads.named_parameters().Where(p => p.name.StartsWith("decoder_norm.", StringComparison.Ordinal)));

        /// <summary>Gives ti_box a non-zero last layer so refinements are visible.</summary>
        public void PerturbTiBox()
        {
            using var noGrad = no_grad();
            var last = TiBox.Layer(2);
            last.weight!.copy_(randn_like(last.weight) * 0.05);
            last.bias!.copy_(randn_like(last.bias!) * 0.1);
        }

        /// <summary>Gives LN_ti and LN_dec non-trivial affine parameters so that stacked norms are visible.</summary>
        public void PerturbNorms()
        {
            using var noGrad = no_grad();
            foreach (var (_, parameter) in NormParameters())
            {
                parameter.copy_(randn_like(parameter) * 0.5 + (parameter.mean() > 0.5).to(float32));
            }
        }

        /// <summary>LayerNorm with the current parameters of "ti_norm" (DI) or "decoder_norm" (heads).</summary>
        public Tensor Norm(string name, Tensor input)
        {
            var parameters = NormParameters().Where(p => p.Name.StartsWith(name + ".", StringComparison.Ordinal)).ToList();
            return nn.functional.layer_norm(input, [D], parameters.Single(p => p.Name.EndsWith("weight", StringComparison.Ordinal)).Parameter,
                parameters.Single(p => p.Name.EndsWith("bias", StringComparison.Ordinal)).Parameter);
        }

        public void Dispose()
        {
            Heads.Dispose();
            EncoderHead.Dispose();
            Di.Dispose();
        }
    }
}
