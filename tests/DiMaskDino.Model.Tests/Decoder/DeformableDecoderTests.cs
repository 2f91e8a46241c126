using DiMaskDino.Model.Attention;
using DiMaskDino.Model.Bato;
using DiMaskDino.Model.Common;
using DiMaskDino.Model.Decoder;
using DiMaskDino.Model.Heads;
using DiMaskDino.Model.Tests.Common;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.Decoder;

public sealed class DeformableDecoderTests
{
    private const int D = 128;
    private const int Q = 12;
    private static readonly LevelShapes Decoder128 = new([(2, 2), (4, 4), (8, 8), (16, 16)]);

    private static DeformableDecoder Build(bool bato, int layers = 3) =>
        new(layers, D, 4, 512, 4, 4, bato ? new BatoBlock(D, 4, 512, Q, 4) : null);

    private static DecoderInputs Inputs(int batch = 2, int dn = 0)
    {
        var content = randn(batch, dn + Q, D);
        var boxes = rand(batch, dn + Q, 4) * 0.6 + 0.2;
        return new DecoderInputs(content, boxes, randn(batch, Decoder128.TotalTokens, D), Decoder128, randn(batch, D, 32, 32), null);
    }

    [Fact]
    public void Init_is_xavier_for_the_decoder_stack_then_msda_reset_and_kaiming_for_the_fusion_conv()
    {
        manual_seed(21);
        using var decoder = Build(bato: true);
        var p = decoder.named_parameters().ToDictionary(x => x.name, x => (Tensor)x.parameter);
        Assert.InRange(p["layers.0.linear1.weight"].abs().max().item<float>(), 0.95 * InitBounds.Xavier(128, 512), InitBounds.Xavier(128, 512));
        Assert.InRange(p["layers.2.self_attn.out_proj.weight"].abs().max().item<float>(), 0.95 * InitBounds.Xavier(128, 128), InitBounds.Xavier(128, 128));
        Assert.InRange(p["ref_point_head.layers.0.weight"].abs().max().item<float>(), 0.95 * InitBounds.Xavier(256, 128), InitBounds.Xavier(256, 128));
        Assert.InRange(p["bato.query_guide_feature_update.linear2.weight"].abs().max().item<float>(), 0.95 * InitBounds.Xavier(512, 128), InitBounds.Xavier(512, 128));
        // MSDA reset after the blanket Xavier: offsets weight 0, bias = direction pattern, attention weights 0.
        Assert.Equal(0f, p["layers.1.cross_attn.sampling_offsets.weight"].abs().max().item<float>());
        Assert.Equal(0f, p["layers.1.cross_attn.attention_weights.weight"].abs().max().item<float>());
        using var pattern = tensor(MultiScaleDeformableAttention.DirectionPattern(4, 4, 4));
        Assert.True(allclose(pattern, p["layers.1.cross_attn.sampling_offsets.bias"]));
        // Norms 1/0; fusion conv Kaiming-uniform a = 1 (bound √(3/fan_in)), not Xavier; GN 1/0.
        Assert.Equal(1f, p["layers.0.norm3.weight"].min().item<float>());
        var bound = InitBounds.KaimingA1(128 * 9);
        Assert.InRange(p["bato.mask_output_conv.weight"].abs().max().item<float>(), 0.95 * bound, bound);
        Assert.Equal(1f, p["bato.mask_output_conv.norm.weight"].min().item<float>());
    }

    [Fact]
    public void Without_bato_the_decoder_has_no_bato_parameters_and_reports_no_updated_features()
    {
        using var scope = NewDisposeScope();
        manual_seed(22);
        using var decoder = Build(bato: false);
        using var heads = new PredictionHeads(D, 10, D);
        Assert.Null(decoder.Bato);
        Assert.DoesNotContain(decoder.named_parameters(), p => p.name.StartsWith("bato", StringComparison.Ordinal));
        Assert.Equal(3 * 256_320 + 49_408, decoder.parameters().Sum(p => p.numel()));

        var inputs = Inputs();
        using var output = decoder.call(inputs, heads);
        Assert.Null(output.Bato);
        Assert.Same(inputs.MaskFeatures, output.MaskFeaturesFor(2, inputs.MaskFeatures));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Layer_zero_reads_the_original_memory_and_later_layers_read_the_bato_memory_when_on(bool bato)
    {
        using var scope = NewDisposeScope();
        manual_seed(23);
        using var decoder = Build(bato);
        using var heads = new PredictionHeads(D, 10, D);
        var inputs = Inputs();
        using var output = decoder.call(inputs, heads);

        Assert.Equal(3, output.Hidden.Count);
        Assert.Equal(4, output.References.Count);
        var layer0 = decoder.Layers[0].call(inputs.Content, decoder.PositionalQuery(inputs.ReferenceBoxes), inputs.ReferenceBoxes, inputs.Memory, Decoder128, null);
        Assert.True(allclose(layer0, output.RawOutputs[0], 1e-5, 1e-5));

        var reference1 = output.References[1].detach();
        var position1 = decoder.PositionalQuery(reference1);
        var memory1 = bato ? output.Bato!.Memory : inputs.Memory;
        var layer1 = decoder.Layers[1].call(output.RawOutputs[0], position1, reference1, memory1, Decoder128, null);
        Assert.True(allclose(layer1, output.RawOutputs[1], 1e-5, 1e-5));
        var layer2 = decoder.Layers[2].call(output.RawOutputs[1], decoder.PositionalQuery(output.References[2].detach()), output.References[2].detach(), memory1, Decoder128, null);
        Assert.True(allclose(layer2, output.RawOutputs[2], 1e-5, 1e-5));
        Assert.True(allclose(heads.Normalize(output.RawOutputs[2]), output.Hidden[2], 1e-6, 1e-6));
        if (bato)
        {
            Assert.False(allclose(output.Bato!.Memory, inputs.Memory, 1e-2, 1e-2));
            Assert.Same(output.Bato.MaskFeatures, output.MaskFeaturesFor(1, inputs.MaskFeatures));
            Assert.Same(inputs.MaskFeatures, output.MaskFeaturesFor(0, inputs.MaskFeatures));
        }
    }

    [Fact]
    public void At_init_every_reference_equals_the_input_boxes()
    {
        using var scope = NewDisposeScope();
        manual_seed(24);
        using var decoder = Build(bato: true);
        using var heads = new PredictionHeads(D, 10, D);
        var inputs = Inputs();
        using var output = decoder.call(inputs, heads);
        foreach (var reference in output.References)
        {
            Assert.True(allclose(inputs.ReferenceBoxes, reference, 1e-5, 1e-6));
        }
    }

    [Fact]
    public void Refinement_passes_a_detached_reference_forward_but_keeps_the_reported_reference_differentiable()
    {
        using var scope = NewDisposeScope();
        manual_seed(25);
        using var decoder = Build(bato: true);
        using var heads = new PredictionHeads(D, 10, D);
        var inputs = Inputs();
        var boxes = inputs.ReferenceBoxes.requires_grad_(true);
        var lastBoxLayer = heads.BoxEmbed.Layer(2).weight!;

        // Hidden state of layer 1 sees R_new of layer 0 only through a detached copy: no gradient to bbox_embed.
        using (var output = decoder.call(inputs, heads))
        {
            output.Hidden[1].square().sum().backward();
            Assert.True(lastBoxLayer.grad is null || lastBoxLayer.grad.abs().max().item<float>() == 0f);
            Assert.True(boxes.grad is not null && boxes.grad.abs().max().item<float>() > 0f); // R_in0 enters layer 0 undetached
        }

        // The reported reference of layer 1 (refs_list[1]) is the undetached R_new of layer 0.
        using (var output = decoder.call(inputs, heads))
        {
            Assert.True(output.References[1].requires_grad);
            output.References[1].sum().backward();
            Assert.True(lastBoxLayer.grad is not null && lastBoxLayer.grad.abs().max().item<float>() > 0f);
        }
    }
}
