// INITIALIZE_BOX_TYPE variants on hand-made masks: mask2box (max index, empty → far away) and detectron2's bitmask
// rule (x2/y2 = max index + 1, empty → zeros).

using DiMaskDino.Model.Query;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.Import;

public sealed class BoxInitializationTests
{
    /// <summary>[1, 2, 4, 6] logits: mask 0 covers rows 1..2, columns 2..4; mask 1 is empty.</summary>
    private static Tensor Masks()
    {
        var logits = full([1, 2, 4, 6], -1f);
        logits[0, 0, TensorIndex.Slice(1, 3), TensorIndex.Slice(2, 5)] = tensor(1f);
        return logits;
    }

    [Fact]
    public void Bitmask_boxes_end_one_past_the_last_pixel_and_empty_masks_give_zeros()
    {
        using var masks = Masks();
        using var corners = MaskToBox.BitmaskCorners(masks);
        Assert.Equal([2f, 1f, 5f, 3f, 0f, 0f, 0f, 0f], corners.data<float>().ToArray());
    }

    [Fact]
    public void Mask2box_boxes_end_at_the_last_pixel_and_empty_masks_are_far_away()
    {
        using var masks = Masks();
        using var corners = MaskToBox.Corners(masks);
        Assert.Equal([2f, 1f, 4f, 2f, 1e8f, 1e8f, 0f, 0f], corners.data<float>().ToArray());
    }

    [Fact]
    public void Bitmask_references_are_the_normalised_boxes_in_logit_space()
    {
        using var masks = Masks();
        using var logits = MaskToBox.BitmaskReferenceLogits(masks);
        using var boxes = logits.sigmoid();
        var values = boxes.data<float>().ToArray();
        Assert.Equal(3.5f / 6, values[0], 5);                       // cx = (2 + 5) / 2 / 6
        Assert.Equal(2f / 4, values[1], 5);                         // cy = (1 + 3) / 2 / 4
        Assert.Equal(3f / 6, values[2], 5);
        Assert.Equal(2f / 4, values[3], 5);
        Assert.All(values[4..], v => Assert.True(v < 1e-4f));      // empty: logit(0) clamped
    }
}
