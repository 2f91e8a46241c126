// rle.json "polygons" and "fr_bbox": frPyObjects for polygons (one RLE each, then their union) and for boxes.

using System.Text.Json;
using DiMaskDino.Coco.Masks;
using static DiMaskDino.Coco.Tests.Masks.RleGolden;

namespace DiMaskDino.Coco.Tests.Masks;

public sealed class RlePolygonGoldenTests
{
    public static TheoryData<int> Polygons => Indices("polygons");

    public static TheoryData<int> Boxes => Indices("fr_bbox");

    [Theory]
    [MemberData(nameof(Polygons))]
    public void Each_polygon_rasterizes_like_pycocotools(int index)
    {
        JsonElement golden = Entry("polygons", index);
        int h = Int(golden, "h"), w = Int(golden, "w");
        double[][] polygons = golden.GetProperty("polygons").EnumerateArray().Select(Doubles).ToArray();
        string[] expected = golden.GetProperty("counts_each").EnumerateArray().Select(c => c.GetString()!).ToArray();

        Assert.Equal(expected.Length, polygons.Length);
        for (int i = 0; i < polygons.Length; i++)
        {
            Assert.Equal(expected[i], Rle.ToCompressedString(Rle.FromPolygon(polygons[i], h, w)));
        }
    }

    [Theory]
    [MemberData(nameof(Polygons))]
    public void Polygon_segmentation_merges_like_annToRLE(int index)
    {
        JsonElement golden = Entry("polygons", index);
        int h = Int(golden, "h"), w = Int(golden, "w");
        double[][] polygons = golden.GetProperty("polygons").EnumerateArray().Select(Doubles).ToArray();

        RleMask mask = Rle.FromPolygons(polygons, h, w);

        Assert.Equal(String(golden, "counts_merged"), Rle.ToCompressedString(mask));
        Assert.Equal(golden.GetProperty("area").GetInt64(), mask.Area);
        Assert.Equal(Box(golden.GetProperty("bbox")), mask.Bounds);
    }

    [Theory]
    [MemberData(nameof(Boxes))]
    public void Box_rasterizes_like_rleFrBbox(int index)
    {
        JsonElement golden = Entry("fr_bbox", index);
        int h = Int(golden, "h"), w = Int(golden, "w");

        RleMask mask = Rle.FromBox(Box(golden.GetProperty("bbox")), h, w);

        Assert.Equal(String(golden, "counts"), Rle.ToCompressedString(mask));
        Assert.Equal(golden.GetProperty("area").GetInt64(), mask.Area);
    }
}
