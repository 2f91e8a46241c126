using DiMaskDino.Model.Common;
using DiMaskDino.Model.Heads;
using DiMaskDino.Model.Query;
using DiMaskDino.Model.Tests.Heads;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.Query;

public sealed class TwoStageSelectionTests
{
    private const int D = 128;
    private const int Classes = 10;
    private static readonly LevelShapes Decoder128 = new([(2, 2), (4, 4), (8, 8), (16, 16)]);

    [Fact]
    public void Encoder_head_turns_invalid_tokens_into_the_constant_layer_norm_of_the_bias()
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        using var heads = new PredictionHeads(D, Classes, D);
        using var encoderHead = new EncoderOutputHead(D);
        var shapes = new LevelShapes([(1, 1), (60, 60)]);           // 0.5/60 < 0.01: the ring is invalid
        var memory = randn(1, shapes.TotalTokens, D);

        using var encoded = encoderHead.Predict(Proposals.Apply(memory, shapes), heads);

        var bias = encoderHead.named_parameters().Single(p => p.name == "enc_output.bias").parameter;
        var expected = nn.functional.layer_norm(bias, [D]);
        Assert.True(allclose(encoded.Memory[0, 1], expected, atol: 1e-5), "first token of the 60×60 level is invalid");
        Assert.True(encoded.BoxLogits[0, 1].isposinf().all().item<bool>());
        Assert.True(encoded.BoxLogits[0, 0].isfinite().all().item<bool>());
        Assert.True(allclose(encoded.Logits, heads.ClassLogits(encoded.Memory), atol: 1e-6), "no LN_dec before the scores");
        Assert.Equal(["enc_output.weight", "enc_output.bias", "enc_output_norm.weight", "enc_output_norm.bias"],
            encoderHead.named_parameters().Select(p => p.name));
    }

    [Fact]
    public void First_selection_takes_the_top_k_tokens_by_best_raw_class_logit()
    {
        using var scope = NewDisposeScope();
        var memory = arange(6, dtype: float32).reshape(1, 6, 1).expand(1, 6, 3) * 1f;
        var logits = tensor(new float[] { 0, 1, 9, -5, 2, 3, 0, 0, 4, 7, 0, 0 }).reshape(1, 6, 2);
        var boxLogits = arange(24, dtype: float32).reshape(1, 6, 4);
        using var encoded = new EncoderHeadOutput(memory, logits, boxLogits);

        using var selection = TwoStageSelection.SelectFirst(encoded, 3);

        Assert.Equal(new long[] { 1, 4, 2 }, selection.Indices[0].data<long>().ToArray()); // scores 1, 9, 3, 0, 7, 0
        Assert.True(TensorAssert.Same(selection.Tokens[0, TensorIndex.Colon, 0], tensor(new float[] { 1, 4, 2 })));
        Assert.True(TensorAssert.Same(selection.BoxLogits[0, 1], tensor(new float[] { 16, 17, 18, 19 })));
    }

    [Fact]
    public void First_selection_needs_at_least_k1_memory_tokens()
    {
        using var scope = NewDisposeScope();
        using var encoded = new EncoderHeadOutput(zeros(1, 99, 4), zeros(1, 99, 2), zeros(1, 99, 4));

        var error = Assert.Throws<ArgumentException>(() => TwoStageSelection.SelectFirst(encoded, 100));
        Assert.Contains("S = 99", error.Message);
        Assert.Contains("K1 = 100", error.Message);
    }

    [Fact]
    public void Run_gives_interm_predictions_mask2box_references_and_detached_content()
    {
        using var scope = NewDisposeScope();
        manual_seed(12);
        using var heads = new PredictionHeads(D, Classes, D);
        using var encoderHead = new EncoderOutputHead(D);
        var memory = randn(2, 340, D, requires_grad: true);
        var maskFeatures = randn(2, D, 32, 32, requires_grad: true);
        using var encoded = encoderHead.Predict(Proposals.Apply(memory, Decoder128), heads);

        using var output = TwoStageSelection.Run(encoded, heads, maskFeatures, 100);

        Assert.Equal(new long[] { 2, 100, Classes }, output.Interm.Logits.shape);
        Assert.Equal(new long[] { 2, 100, 32, 32 }, output.Interm.Masks.shape);
        Assert.Equal(new long[] { 2, 100, 4 }, output.ReferenceLogits.shape);
        Assert.False(output.Content.requires_grad);
        Assert.False(output.ReferenceLogits.requires_grad);
        var tokens = TwoStageSelection.Gather(encoded.Memory, output.Indices);
        Assert.True(TensorAssert.Same(output.Content, tokens));
        Assert.True(allclose(output.Interm.Boxes, TwoStageSelection.Gather(encoded.BoxLogits, output.Indices).sigmoid()));
        Assert.True(TensorAssert.Same(output.ReferenceLogits, MaskToBox.ReferenceLogits(output.Interm.Masks)));
        using var expected = heads.Predict(tokens, maskFeatures);
        Assert.True(allclose(output.Interm.Masks, expected.Masks!, rtol: 1e-4, atol: 1e-4));

        (output.Interm.Logits.sum() + output.Interm.Masks.mean() + output.Interm.Boxes.sum()).backward();
        Assert.True(memory.grad!.abs().sum().item<float>() > 0, "interm losses train the encoder");
        Assert.True(maskFeatures.grad!.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void A_selected_invalid_token_has_the_unit_box_and_a_nan_free_gradient()
    {
        using var scope = NewDisposeScope();
        manual_seed(13);
        using var heads = new PredictionHeads(D, Classes, D);
        using var encoderHead = new EncoderOutputHead(D);
        var shapes = new LevelShapes([(1, 1), (60, 60)]);
        var memory = randn(1, shapes.TotalTokens, D, requires_grad: true);
        using var encoded = encoderHead.Predict(Proposals.Apply(memory, shapes), heads);

        using var selection = TwoStageSelection.SelectFirst(encoded, (int)shapes.TotalTokens); // selects everything
        using var interm = TwoStageSelection.Interm(selection, heads, randn(1, D, 4, 4));
        var position = selection.Indices[0].data<long>().ToList().IndexOf(1);          // token 1 is invalid

        Assert.True(allclose(interm.Boxes[0, position], ones(4)));
        interm.Boxes.sum().backward();
        Assert.False(memory.grad!.isnan().any().item<bool>());
        Assert.DoesNotContain(heads.parameters(), p => p.grad is not null && p.grad.isnan().any().item<bool>());
    }

    [Fact]
    public void Selection_stage_with_backward_leaves_no_live_tensors()
    {
        manual_seed(14);
        using var heads = new PredictionHeads(D, Classes, D);
        using var encoderHead = new EncoderOutputHead(D);
        using var memory = randn(2, 340, D, requires_grad: true);
        using var maskFeatures = randn(2, D, 32, 32);

        LeakCheck.AssertNoLiveTensors(() =>
        {
            using var proposals = Proposals.Apply(memory, Decoder128);
            using var encoded = encoderHead.Predict(proposals, heads);
            using var output = TwoStageSelection.Run(encoded, heads, maskFeatures, 100);
            using var loss = output.Interm.Logits.sum();
            loss.backward();
        });
    }
}
