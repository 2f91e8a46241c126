using DiMaskDino.Model.Common;
using DiMaskDino.Model.Query;
using DiMaskDino.Model.Tests.Heads;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.Query;

public sealed class MaskToBoxTests
{
    [Fact]
    public void Rectangle_gives_pixel_index_box_without_plus_one()
    {
        using var scope = NewDisposeScope();
        var logits = full(1, 1, 8, 8, -1f);
        logits[0, 0, TensorIndex.Slice(2, 5), TensorIndex.Slice(1, 6)] = tensor(3f); // rows 2–4, columns 1–5

        var boxes = MaskToBox.Boxes(logits);

        Assert.True(allclose(BoxMath.CxcywhToXyxy(boxes) * 8, tensor(new[] { 1f, 2f, 5f, 4f }).reshape(1, 1, 4), atol: 1e-5));
        Assert.True(allclose(boxes, tensor(new[] { 0.375f, 0.375f, 0.5f, 0.25f }).reshape(1, 1, 4), atol: 1e-7));
    }

    [Fact]
    public void Empty_mask_decodes_to_the_corner_box_after_logit_and_sigmoid()
    {
        using var scope = NewDisposeScope();
        var logits = full(2, 3, 8, 8, -0.5f);
        logits[1, 2, 4, 4] = tensor(0f); // exactly 0 is not "set"

        var decoded = MaskToBox.ReferenceLogits(logits).sigmoid();

        var corner = tensor(new[] { 1f, 1f, 1e-5f, 1e-5f }).expand(2, 3, 4);
        Assert.True(allclose(decoded, corner, rtol: 1e-3, atol: 1e-7));
        Assert.True(allclose(MaskToBox.ReferenceLogits(logits)[0, 0], tensor(new[] { 11.512925f, 11.512925f, -11.512925f, -11.512925f }), atol: 1e-4));
    }

    [Fact]
    public void Full_mask_is_half_a_pixel_short_and_single_pixels_have_zero_size()
    {
        using var scope = NewDisposeScope();
        var logits = full(1, 2, 4, 8, -2f);
        logits[0, 0] = tensor(1f);                  // everything set
        logits[0, 1, 3, 0] = tensor(1f);            // one pixel at row 3, column 0

        var boxes = MaskToBox.Boxes(logits);

        Assert.True(allclose(boxes[0, 0], tensor(new[] { 3.5f / 8, 1.5f / 4, 7f / 8, 3f / 4 }), atol: 1e-7));
        Assert.True(allclose(boxes[0, 1], tensor(new[] { 0f, 0.75f, 0f, 0f }), atol: 1e-7));
    }

    [Fact]
    public void Scattered_pixels_give_their_tight_box_and_no_gradient()
    {
        using var scope = NewDisposeScope();
        var data = full(1, 1, 6, 6, -1f);
        data[0, 0, 1, 4] = tensor(2f);
        data[0, 0, 5, 2] = tensor(2f);
        var logits = data.requires_grad_(true);

        var references = MaskToBox.ReferenceLogits(logits);

        Assert.False(references.requires_grad);
        var xyxy = BoxMath.CxcywhToXyxy(MaskToBox.Boxes(logits)) * 6;
        Assert.True(allclose(xyxy, tensor(new[] { 2f, 1f, 4f, 5f }).reshape(1, 1, 4), atol: 1e-5));
    }

    [Fact]
    public void Mask_to_box_leaves_no_live_tensors()
    {
        using var logits = randn(2, 5, 16, 16);
        LeakCheck.AssertNoLiveTensors(() =>
        {
            using var references = MaskToBox.ReferenceLogits(logits);
        });
    }
}
