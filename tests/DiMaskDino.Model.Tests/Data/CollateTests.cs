using DiMaskDino.Model.Data;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.Data;

public sealed class CollateTests
{
    private static InstanceSample Sample(int height, int width, int instances, long id)
    {
        var pixels = Enumerable.Range(0, 3 * height * width).Select(i => (float)(i % 251)).ToArray();
        var masks = new byte[instances * height * width];
        var boxes = new PixelBox[instances];
        for (var i = 0; i < instances; i++)
        {
            // Instance i covers rows [i, i + 2), columns [2i, 2i + 4).
            for (var y = i; y < i + 2; y++)
            {
                masks.AsSpan((i * height + y) * width + 2 * i, 4).Fill(1);
            }

            boxes[i] = new PixelBox(2 * i, i, 2 * i + 4, i + 2);
        }

        return new InstanceSample(id, new RgbImage(height, width, pixels), [.. Enumerable.Range(0, instances).Select(i => i % 3)], masks, boxes);
    }

    [Fact]
    public void Training_batch_has_documented_shapes_and_dtypes()
    {
        using var scope = NewDisposeScope();
        using var batch = Collate.Training([Sample(64, 64, 3, 1), Sample(64, 64, 0, 2)], PadColor.Gray128);

        Assert.Equal(new long[] { 2, 3, 64, 64 }, batch.Images.shape);
        Assert.Equal(ScalarType.Float32, batch.Images.dtype);
        Assert.Equal([1L, 2L], batch.ImageIds);
        var first = batch.Targets[0];
        Assert.Equal(new long[] { 3 }, first.Labels.shape);
        Assert.Equal(ScalarType.Int64, first.Labels.dtype);
        Assert.Equal(new long[] { 3, 4 }, first.Boxes.shape);
        Assert.Equal(ScalarType.Float32, first.Boxes.dtype);
        Assert.Equal(new long[] { 3, 64, 64 }, first.Masks.shape);
        Assert.Equal(ScalarType.Float32, first.Masks.dtype);
        Assert.Equal(new long[] { 0, 4 }, batch.Targets[1].Boxes.shape);
        Assert.Equal(new long[] { 0, 64, 64 }, batch.Targets[1].Masks.shape);
    }

    [Fact]
    public void Boxes_are_cxcywh_normalised_by_the_padded_canvas_and_masks_are_zero_padded()
    {
        using var scope = NewDisposeScope();
        // 40x50 (h x w) pads to 64x64; a second 70x30 image makes the batch 96x64.
        using var batch = Collate.Training([Sample(40, 50, 2, 1), Sample(70, 30, 1, 2)], new PadColor(1, 2, 3));

        Assert.Equal(new long[] { 2, 3, 96, 64 }, batch.Images.shape);
        var boxes = batch.Targets[0].Boxes.data<float>().ToArray();
        // Instance 1: x [2, 6), y [1, 3) → cx 4/64, cy 2/96, w 4/64, h 2/96.
        Assert.Equal([4f / 64, 2f / 96, 4f / 64, 2f / 96], boxes[4..8]);
        var masks = batch.Targets[0].Masks;
        Assert.Equal(8f, masks[1].sum().item<float>());
        Assert.Equal(1f, masks[1, 2, 5].item<float>());
        Assert.Equal(0f, masks[1, 50, 5].item<float>());
        Assert.Equal(Sample(40, 50, 2, 1).Image[2, 39, 49], batch.Images[0, 2, 39, 49].item<float>());
        Assert.Equal(3f, batch.Images[0, 2, 40, 0].item<float>());
        Assert.Equal(1f, batch.Images[1, 0, 0, 31].item<float>());
    }
}
