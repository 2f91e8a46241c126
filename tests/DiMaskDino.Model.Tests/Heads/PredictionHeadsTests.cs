using DiMaskDino.Model.Common;
using DiMaskDino.Model.Heads;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.Heads;

public sealed class PredictionHeadsTests
{
    private const int D = 128;
    private const int Classes = 10;

    [Fact]
    public void Heads_have_maskdino_weight_names_and_tiny_parameter_count()
    {
        using var heads = new PredictionHeads(D, Classes, D);
        var names = heads.named_parameters().Select(p => p.name).ToList();

        Assert.Contains("class_embed.weight", names);
        Assert.Contains("bbox_embed.layers.2.bias", names);
        Assert.Contains("mask_embed.layers.0.weight", names);
        Assert.Contains("decoder_norm.weight", names);
        // class 128·10+10, bbox 2·(128²+128)+128·4+4, mask 3·(128²+128), LN 2·128
        Assert.Equal(1290 + 33540 + 49536 + 256, heads.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void Predict_applies_decoder_norm_before_class_and_mask_heads()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        using var heads = new PredictionHeads(D, Classes, D);
        var content = randn(2, 5, D) * 3 + 1;
        var features = randn(2, D, 6, 7);

        using var prediction = heads.Predict(content, features);

        var normalised = nn.functional.layer_norm(content, [D]);
        var expectedLogits = heads.ClassLogits(normalised);
        var expectedMasks = einsum("bnc,bchw->bnhw", heads.MaskEmbedding(normalised), features);
        Assert.Equal(new long[] { 2, 5, Classes }, prediction.Logits.shape);
        Assert.Equal(new long[] { 2, 5, 6, 7 }, prediction.Masks!.shape);
        Assert.True(allclose(prediction.Logits, expectedLogits, rtol: 1e-5, atol: 1e-5));
        Assert.True(allclose(prediction.Masks, expectedMasks, rtol: 1e-4, atol: 1e-4));
        Assert.False(allclose(prediction.Logits, heads.ClassLogits(content), rtol: 1e-3, atol: 1e-3), "LN_dec must be applied");
    }

    [Fact]
    public void Predict_without_mask_features_returns_no_masks()
    {
        using var scope = NewDisposeScope();
        using var heads = new PredictionHeads(D, Classes, D);
        using var prediction = heads.Predict(randn(1, 3, D), null);

        Assert.Null(prediction.Masks);
        Assert.Equal(new long[] { 1, 3, Classes }, prediction.Logits.shape);
    }

    [Fact]
    public void Fresh_box_head_refinement_is_the_identity_and_trains_the_last_layer()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        using var heads = new PredictionHeads(D, Classes, D);
        var content = randn(2, 6, D);
        var reference = rand(2, 6, 4) * 0.9 + 0.05;

        Assert.True(heads.BoxDelta(content).abs().max().item<float>() == 0f);
        var refined = heads.RefineBoxes(content, reference);
        Assert.True(allclose(refined, reference, rtol: 1e-5, atol: 1e-6));

        refined.sum().backward();
        var lastWeightGrad = heads.named_parameters().Single(p => p.name == "bbox_embed.layers.2.weight").parameter.grad;
        Assert.NotNull(lastWeightGrad);
        Assert.True(lastWeightGrad!.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void Mask_logits_are_the_channel_dot_product()
    {
        using var scope = NewDisposeScope();
        var embedding = tensor(new float[] { 1, 2, 0, -1 }).reshape(1, 2, 2);     // two queries, two channels
        var features = tensor(new float[] { 1, 2, 3, 4, 10, 20, 30, 40 }).reshape(1, 2, 2, 2);

        var masks = PredictionHeads.MaskLogits(embedding, features);

        var expected = tensor(new float[] { 21, 42, 63, 84, -10, -20, -30, -40 }).reshape(1, 2, 2, 2);
        Assert.True(TensorAssert.Same(masks, expected));
    }

    [Fact]
    public void Predict_and_backward_leave_no_live_tensors()
    {
        manual_seed(5);
        using var heads = new PredictionHeads(D, Classes, D);
        using var content = randn(2, 4, D, requires_grad: true);
        using var features = randn(2, D, 8, 8);

        LeakCheck.AssertNoLiveTensors(() =>
        {
            using var prediction = heads.Predict(content, features);
            using var logitSum = prediction.Logits.sum();
            using var maskSum = prediction.Masks!.sum();
            using var loss = logitSum + maskSum;
            loss.backward();
        });
    }
}
