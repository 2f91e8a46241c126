// Own tests of merge and IoU: agreement with bitmap arithmetic on random masks, and pycocotools' corner cases.

using DiMaskDino.Coco.Masks;

namespace DiMaskDino.Coco.Tests.Masks;

public sealed class RleMergeIouTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Merge_of_random_masks_equals_the_bitwise_operation(bool intersect)
    {
        var random = new Random(intersect ? 11 : 12);
        const int h = 37, w = 29;
        for (int trial = 0; trial < 50; trial++)
        {
            byte[][] bits = Enumerable.Range(0, 1 + trial % 4)
                .Select(_ => RandomMasks.Blobs(random, h, w, rectangles: 3, noise: trial % 2 * 0.02))
                .ToArray();
            var expected = (byte[])bits[0].Clone();
            foreach (byte[] other in bits.Skip(1))
            {
                for (int i = 0; i < expected.Length; i++)
                {
                    expected[i] = (byte)(intersect ? expected[i] & other[i] : expected[i] | other[i]);
                }
            }

            RleMask merged = Rle.Merge(bits.Select(b => Rle.Encode(b, h, w)).ToArray(), intersect);

            // Canonical inputs give the canonical encoding, run for run.
            Assert.Equal(Rle.Encode(expected, h, w).Counts.ToArray(), merged.Counts.ToArray());
        }
    }

    [Fact]
    public void Iou_of_random_masks_equals_bitmap_counts()
    {
        var random = new Random(5);
        const int h = 31, w = 23;
        byte[][] bits = Enumerable.Range(0, 12)
            .Select(i => RandomMasks.Blobs(random, h, w, rectangles: i % 3, noise: i % 4 == 0 ? 0.01 : 0))
            .ToArray();
        RleMask[] masks = bits.Select(b => Rle.Encode(b, h, w)).ToArray();
        bool[] crowd = Enumerable.Range(0, masks.Length).Select(i => i % 3 == 1).ToArray();

        var iou = new double[masks.Length * masks.Length];
        Rle.Iou(masks, masks, crowd, iou);

        for (int d = 0; d < masks.Length; d++)
        {
            for (int g = 0; g < masks.Length; g++)
            {
                (long inter, long union) = RandomMasks.Overlap(bits[d], bits[g]);
                double expected = inter == 0 ? 0 : (double)inter / (crowd[g] ? masks[d].Area : union);
                Assert.Equal(expected, iou[d * masks.Length + g]);
            }
        }
    }

    [Fact]
    public void Iou_of_masks_of_different_sizes_is_minus_one_only_when_their_boxes_overlap()
    {
        RleMask small = Rle.FromBox(new BoundingBox(0, 0, 4, 4), 10, 10);
        RleMask largeOverlapping = Rle.FromBox(new BoundingBox(2, 2, 4, 4), 12, 10);
        RleMask largeApart = Rle.FromBox(new BoundingBox(6, 6, 4, 4), 12, 10);
        var iou = new double[2];

        Rle.Iou([small], [largeOverlapping, largeApart], [false, false], iou);

        Assert.Equal([-1.0, 0.0], iou);
    }

    [Fact]
    public void Iou_of_empty_masks_is_zero()
    {
        RleMask empty = RleMask.Empty(5, 5);
        var iou = new double[2];

        Rle.Iou([empty], [empty, Rle.FromBox(new BoundingBox(0, 0, 5, 5), 5, 5)], [true, false], iou);

        Assert.Equal([0.0, 0.0], iou);
    }

    [Fact]
    public void Iou_stops_where_both_masks_have_zero_length_runs_like_pycocotools()
    {
        // Both masks: 2 background pixels, an empty foreground run, 1 background, 1 foreground. rleIou's walk ends
        // when both current runs are 0 long, so it never sees the shared last pixel and reports 0, not 1.
        RleMask mask = Rle.FromUncompressed([2, 0, 1, 1], 2, 2);
        var iou = new double[1];

        Rle.Iou([mask], [mask], [false], iou);

        Assert.Equal(new BoundingBox(1, 1, 1, 1), mask.Bounds);
        Assert.Equal(0.0, iou[0]);
    }

    [Fact]
    public void Merge_walks_past_shared_zero_length_runs_to_cover_the_whole_mask()
    {
        RleMask mask = Rle.FromUncompressed([2, 0, 1, 1], 2, 2);

        RleMask union = Rle.Merge([mask, mask], intersect: false);

        var decoded = new byte[4];
        Rle.Decode(union, decoded);
        Assert.Equal([0, 0, 0, 1], decoded);
        Assert.Equal(1, union.Area);
    }

    [Fact]
    public void Bounds_of_only_empty_foreground_runs_wrap_around_like_pycocotools()
    {
        // rleToBbox skips the 0-long foreground run and then computes xe - xs + 1 in uint with xs = w, xe = 0.
        RleMask mask = Rle.FromUncompressed([20, 0], 4, 5);

        Assert.Equal(new BoundingBox(5, 4, 4294967292, 4294967293), mask.Bounds);
        Assert.Equal(0, mask.Area);
    }

    [Fact]
    public void Merge_of_one_mask_returns_it_and_of_none_a_zero_sized_mask()
    {
        RleMask mask = Rle.FromUncompressed([0, 0, 3, 4, 13], 4, 5);

        Assert.Same(mask, Rle.Merge([mask], intersect: false));
        RleMask none = Rle.Merge([], intersect: true);
        Assert.Equal((0, 0, 0), (none.Height, none.Width, none.Counts.Length));
    }

    [Fact]
    public void Merge_of_masks_of_different_sizes_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => Rle.Merge([RleMask.Empty(3, 4), RleMask.Empty(4, 3)], intersect: false));
    }

    [Fact]
    public void Iou_checks_the_lengths_of_its_spans()
    {
        RleMask mask = RleMask.Empty(2, 2);

        Assert.Throws<ArgumentException>(() => Rle.Iou([mask], [mask, mask], [false], new double[2]));
        Assert.Throws<ArgumentException>(() => Rle.Iou([mask, mask], [mask], [false], new double[1]));
    }
}
