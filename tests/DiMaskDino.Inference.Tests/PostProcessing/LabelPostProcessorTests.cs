using DiMaskDino.Coco;
using DiMaskDino.Coco.Masks;
using DiMaskDino.Contracts.Labels;
using DiMaskDino.Inference.Images;
using DiMaskDino.Inference.PostProcessing;

namespace DiMaskDino.Inference.Tests.PostProcessing;

/// <summary>Each labels-mode rule of docs/labels.md on crafted model outputs.</summary>
public sealed class LabelPostProcessorTests
{
    private const int W = 16, H = 12;

    [Fact]
    public void One_query_reported_for_two_classes_becomes_one_label_of_its_best_class()
    {
        var mask = Rect(2, 2, 6, 5);
        var labels = Labels(
            [Instance(query: 4, label: 1, score: 0.9, mask), Instance(query: 4, label: 0, score: 0.6, mask), Instance(query: 7, label: 0, score: 0.7, Rect(10, 1, 4, 4))]);

        Assert.Equal([(4, 1), (7, 0)], labels.Select(l => (l.Query, l.ClassIndex)));
    }

    [Fact]
    public void Instances_below_the_score_threshold_are_dropped_even_when_the_official_list_kept_them()
    {
        var labels = Labels([Instance(0, 0, 0.51, Rect(0, 0, 4, 4)), Instance(1, 0, 0.49, Rect(8, 8, 4, 4))], new() { ScoreThreshold = 0.5 });

        Assert.Equal([0], labels.Select(l => l.Query));
    }

    [Fact]
    public void Specks_below_the_minimum_area_are_removed_but_the_largest_part_stays()
    {
        // A 4x4 body, a 2-pixel speck, a 3x3 part and a pixel touching the body only diagonally (a part of its own).
        var mask = Union(Rect(0, 0, 4, 4), Rect(8, 0, 2, 1), Rect(10, 6, 3, 3), Rect(4, 4, 1, 1));
        var cleaned = MaskSpecks.Remove(mask, minArea: 8);

        Assert.Equal(Union(Rect(0, 0, 4, 4), Rect(10, 6, 3, 3)).Counts.ToArray(), cleaned.Counts.ToArray());
        var lone = Rect(5, 5, 2, 1);
        Assert.Same(lone, MaskSpecks.Remove(lone, minArea: 8));
        Assert.Same(mask, MaskSpecks.Remove(mask, minArea: 1));
    }

    [Fact]
    public void Labels_masks_are_cleaned_and_empty_masks_are_dropped()
    {
        var labels = Labels(
            [Instance(0, 0, 0.9, Union(Rect(0, 0, 5, 5), Rect(12, 10, 1, 1))), Instance(1, 1, 0.8, RleMask.Empty(H, W))],
            new() { MinSpeckArea = 4 });

        var label = Assert.Single(labels);
        Assert.Equal(25, label.Mask.Area);
        Assert.Equal(new BoundingBox(0, 0, 5, 5), label.Box);
    }

    [Fact]
    public void The_box_is_the_masks_tight_box_and_the_clipped_model_box_and_their_iou_are_kept()
    {
        // The model's box reaches outside the image (x from -4) and is 66x18 around a 6x4 mask.
        var instance = Instance(0, 0, 0.9, Rect(3, 2, 6, 4)) with { Box = new BoundingBox(-4, 1, 66, 18) };

        var label = Assert.Single(Labels([instance]));

        Assert.Equal(new BoundingBox(3, 2, 6, 4), label.Box);
        Assert.Equal(new BoundingBox(0, 1, W, H - 1), label.ModelBox);
        Assert.Equal(24.0 / (16 * 11), label.BoxMaskIou!.Value, 12);
    }

    [Fact]
    public void With_the_model_box_the_box_is_clipped_to_the_image_and_a_zero_size_box_is_dropped()
    {
        var inside = Instance(0, 0, 0.9, Rect(3, 2, 6, 4)) with { Box = new BoundingBox(2.5, -3, 8, 9) };
        var flat = Instance(1, 0, 0.8, Rect(10, 8, 3, 3)) with { Box = new BoundingBox(20, 8, 5, 3) };    // right of the image
        var nan = Instance(2, 0, 0.7, Rect(0, 8, 3, 3)) with { Box = new BoundingBox(double.NaN, 8, 5, 3) };

        var labels = Labels([inside, flat, nan], new() { Box = BoxSource.Model });

        var label = Assert.Single(labels);
        Assert.Equal(new BoundingBox(2.5, 0, 8, 6), label.Box);
        Assert.Equal(label.Box, label.ModelBox);

        var byMask = Labels([flat, nan]);
        Assert.Equal([new BoundingBox(W, 8, 0, 3), default], byMask.Select(l => l.ModelBox!.Value));
        Assert.All(byMask, l => Assert.Equal(0, l.BoxMaskIou));
    }

    [Fact]
    public void Masks_overlapping_at_the_iou_threshold_are_one_label_the_higher_scoring()
    {
        var a = Rect(0, 0, 10, 10);                // 100 px
        var b = Rect(0, 0, 10, 8);                 // IoU 0.8 with a
        var c = Rect(0, 0, 10, 7);                 // IoU 0.7 with a
        var labels = Labels([Instance(0, 0, 0.6, a), Instance(1, 2, 0.9, b), Instance(2, 1, 0.5, c)]);

        Assert.Equal([1], labels.Select(l => l.Query));
        // At 0.85, a and b (IoU 0.8) are two objects, but c repeats b (IoU 70/80 = 0.875).
        Assert.Equal([1, 0], Labels([Instance(0, 0, 0.6, a), Instance(1, 2, 0.9, b), Instance(2, 1, 0.5, c)], new() { DuplicateMaskIou = 0.85 })
            .Select(l => l.Query));
    }

    [Fact]
    public void A_mask_of_another_size_than_the_image_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => new LabelPostProcessor().Process([Instance(3, 0, 0.9, RleMask.Empty(H + 1, W))], W, H));
        Assert.Contains("query 3", error.Message);
    }

    [Fact]
    public void Options_out_of_range_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new LabelPostProcessor(new() { DuplicateMaskIou = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LabelPostProcessor(new() { ScoreThreshold = 1.5 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LabelPostProcessor(new() { MinSpeckArea = -1 }));
    }

    [Fact]
    public void From_raw_model_outputs_the_labels_have_one_class_per_object_and_boxes_equal_to_mask_boxes()
    {
        // 2 queries x 3 classes on a 16x16 canvas, masks 4x4: query 0 is confident for classes 0 and 2 (the official
        // top-k keeps both), query 1 repeats query 0's mask with a lower score, and every box leaves the image.
        float[] logits = [4f, -6f, 3f, 2f, -6f, -6f];
        float[] boxes = [0.1f, 0.5f, 0.5f, 0.4f, 0.1f, 0.5f, 0.5f, 0.4f];
        var masks = new float[2 * 16];
        foreach (var q in new[] { 0, 1 })
        {
            masks[q * 16 + 1 * 4 + 0] = masks[q * 16 + 1 * 4 + 1] = masks[q * 16 + 2 * 4 + 0] = masks[q * 16 + 2 * 4 + 1] = 8f;
            Array.Fill(masks, -8f, q * 16 + 12, 4);
        }

        for (int i = 0; i < masks.Length; i++)
        {
            masks[i] = masks[i] == 0 ? -8f : masks[i];
        }

        var official = new InstancePostProcessor().Process(logits, boxes, masks, 3, 4, 4, LetterboxGeometry.Fit(16, 16, 16, 16));
        Assert.Equal(6, official.Count);
        Assert.Equal(2, official.Count(i => i.Query == 0 && i.Score > 0.5));

        var label = Assert.Single(new LabelPostProcessor(new() { ScoreThreshold = 0.3 }).Process(official, 16, 16));

        Assert.Equal((0, 0), (label.Query, label.ClassIndex));
        Assert.Equal(label.Mask.Bounds, label.Box);
        Assert.True(label.Box.X >= 0 && label.Box.Right <= 16 && label.Box.Width > 0);
        Assert.True(official[0].Box.X < 0);
    }

    private static IReadOnlyList<InstancePrediction> Labels(IReadOnlyList<InstancePrediction> official, LabelPostProcessorOptions? options = null) =>
        new LabelPostProcessor(options).Process(official, W, H);

    private static InstancePrediction Instance(int query, int label, double score, RleMask mask) =>
        new(query, label, score, score, mask.Area == 0 ? new BoundingBox(1, 1, 2, 2) : mask.Bounds, mask);

    private static RleMask Rect(int x, int y, int width, int height)
    {
        var pixels = new byte[H * W];
        for (int i = x; i < x + width; i++)
        {
            for (int j = y; j < y + height; j++)
            {
                pixels[i * H + j] = 1;
            }
        }

        return Rle.Encode(pixels, H, W);
    }

    private static RleMask Union(params RleMask[] masks) => Rle.Merge(masks, intersect: false);
}
