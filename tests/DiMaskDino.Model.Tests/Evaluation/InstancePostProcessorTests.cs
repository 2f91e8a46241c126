using DiMaskDino.Coco.Masks;
using DiMaskDino.Model.Evaluation;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.Evaluation;

public sealed class InstancePostProcessorTests
{
    // Canvas 32×32 (mask logits 8×8), the image resized to 32×16 inside it, originally 64 high and 32 wide.
    private static readonly ImageGeometry Geometry = new(32, 32, 32, 16, 64, 32);

    private static (Tensor Logits, Tensor Boxes, Tensor Masks) Outputs()
    {
        var logits = tensor(new float[] { -5, 3, -6, -7, -8, -9 }).reshape(3, 2);          // query 0, class 1 is confident
        var boxes = tensor(new float[] { 0.25f, 0.5f, 0.25f, 0.5f, 0.5f, 0.5f, 0.1f, 0.1f, 0.5f, 0.5f, 0.2f, 0.2f }).reshape(3, 4);
        var masks = full(3, 8, 8, -10f);
        masks[0, TensorIndex.Slice(2, 6), TensorIndex.Slice(1, 3)] = tensor(10f);            // rows 2..5, columns 1..2 of the stride-4 map
        return (logits, boxes, masks);
    }

    [Fact]
    public void Keeps_min_of_100_and_queries_times_classes_in_score_order()
    {
        var (logits, boxes, masks) = Outputs();
        var instances = new InstancePostProcessor().Process(logits, boxes, masks, Geometry);

        Assert.Equal(6, instances.Count);
        Assert.Equal(1, instances[0].ClassIndex);
        Assert.True(instances[0].Score > instances[1].Score);
    }

    [Fact]
    public void Box_is_mapped_from_the_canvas_to_original_pixels()
    {
        var (logits, boxes, masks) = Outputs();
        var top = new InstancePostProcessor().Process(logits, boxes, masks, Geometry)[0];

        // cxcywh (0.25, 0.5, 0.25, 0.5) on the canvas → x 0.125..0.375 × 32 × (32/16), y 0.25..0.75 × 32 × (64/32)
        Assert.Equal(8, top.Box.X, 1e-5);
        Assert.Equal(16, top.Box.Y, 1e-5);
        Assert.Equal(16, top.Box.Width, 1e-5);
        Assert.Equal(32, top.Box.Height, 1e-5);
    }

    [Fact]
    public void Mask_is_upsampled_cropped_resized_and_scored()
    {
        var (logits, boxes, masks) = Outputs();
        var top = new InstancePostProcessor().Process(logits, boxes, masks, Geometry)[0];

        Assert.Equal((64, 32), (top.Mask.Height, top.Mask.Width));
        // The set block spans canvas rows 8..23 and columns 4..11; the crop keeps columns 0..15 and the resize doubles
        // both axes, so the mask is about 32 rows × 16 columns; bilinear edges move the boundary by at most a pixel or two.
        Assert.InRange(top.Mask.Area, 28 * 12, 36 * 20);
        Assert.InRange(top.Mask.Bounds.X, 6, 10);
        Assert.InRange(top.Mask.Bounds.Y, 14, 18);
        var classScore = 1 / (1 + Math.Exp(-3));
        Assert.InRange(top.Score, classScore * 0.9, classScore);
    }

    [Fact]
    public void Empty_masks_give_zero_scores()
    {
        var (logits, boxes, masks) = Outputs();
        var instances = new InstancePostProcessor().Process(logits, boxes, masks, Geometry);

        var fromEmptyQueries = instances.Where(i => i.Mask.Area == 0).ToList();
        Assert.NotEmpty(fromEmptyQueries);
        Assert.All(fromEmptyQueries, i => Assert.Equal(0, i.Score));
    }

    [Fact]
    public void Detections_carry_category_ids_and_compressed_rle()
    {
        var (logits, boxes, masks) = Outputs();
        var instances = new InstancePostProcessor().Process(logits, boxes, masks, Geometry);
        var detections = InstancePostProcessor.ToDetections(instances, imageId: 42, categoryIdOf: c => c + 10).ToList();

        Assert.Equal(11, detections[0].CategoryId);
        Assert.Equal(42, detections[0].ImageId);
        var rle = Assert.IsType<DiMaskDino.Coco.RleSegmentation>(detections[0].Segmentation);
        Assert.Equal(instances[0].Mask.Area, Rle.FromCompressedString(rle.CompressedCounts!, rle.Height, rle.Width).Area);
    }
}
