// rle.json "iou_rle" and "iou_bbox": mask.iou for RLEs and for boxes.

using System.Text.Json;
using DiMaskDino.Coco.Masks;
using static DiMaskDino.Coco.Tests.Masks.RleGolden;

namespace DiMaskDino.Coco.Tests.Masks;

public sealed class RleIouGoldenTests
{
    [Fact]
    public void Mask_iou_matches_pycocotools()
    {
        JsonElement golden = Section("iou_rle");
        RleMask[] dts = golden.GetProperty("dt").EnumerateArray().Select(n => LoadMask(n.GetString()!)).ToArray();
        RleMask[] gts = golden.GetProperty("gt").EnumerateArray().Select(n => LoadMask(n.GetString()!)).ToArray();
        bool[] crowd = golden.GetProperty("iscrowd").EnumerateArray().Select(c => c.GetInt32() != 0).ToArray();

        var iou = new double[dts.Length * gts.Length];
        Rle.Iou(dts, gts, crowd, iou);

        AssertMatrix(golden.GetProperty("iou"), iou, gts.Length);
    }

    [Fact]
    public void Box_iou_matches_pycocotools()
    {
        JsonElement golden = Section("iou_bbox");
        BoundingBox[] dts = golden.GetProperty("dt").EnumerateArray().Select(Box).ToArray();
        BoundingBox[] gts = golden.GetProperty("gt").EnumerateArray().Select(Box).ToArray();
        bool[] crowd = golden.GetProperty("iscrowd").EnumerateArray().Select(c => c.GetInt32() != 0).ToArray();

        var iou = new double[dts.Length * gts.Length];
        Rle.BoxIou(dts, gts, crowd, iou);

        AssertMatrix(golden.GetProperty("iou"), iou, gts.Length);
    }

    [Fact]
    public void Mask_iou_of_one_pair_equals_its_entry_in_the_batch()
    {
        JsonElement golden = Section("iou_rle");
        RleMask[] masks = golden.GetProperty("dt").EnumerateArray().Select(n => LoadMask(n.GetString()!)).ToArray();
        var batch = new double[masks.Length * masks.Length];
        Rle.Iou(masks, masks, new bool[masks.Length], batch);

        var single = new double[1];
        for (int d = 0; d < masks.Length; d++)
        {
            for (int g = 0; g < masks.Length; g++)
            {
                Rle.Iou([masks[d]], [masks[g]], [false], single);
                Assert.Equal(batch[d * masks.Length + g], single[0]);
            }
        }
    }

    // Same doubles as pycocotools, bit for bit (the golden stores shortest round-trip decimals).
    private static void AssertMatrix(JsonElement expected, double[] actual, int columns)
    {
        Assert.Equal(expected.GetArrayLength() * columns, actual.Length);
        for (int d = 0; d < expected.GetArrayLength(); d++)
        {
            double[] row = Doubles(expected[d]);
            Assert.Equal(columns, row.Length);
            for (int g = 0; g < columns; g++)
            {
                Assert.True(
                    row[g] == actual[d * columns + g],
                    $"iou[{d}][{g}]: expected {row[g]:R}, got {actual[d * columns + g]:R}");
            }
        }
    }
}
