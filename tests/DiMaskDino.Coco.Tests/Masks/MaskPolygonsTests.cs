using DiMaskDino.Coco.Masks;
using Xunit.Abstractions;

namespace DiMaskDino.Coco.Tests.Masks;

/// <summary>Mask → polygons, checked by re-rasterising with the pycocotools-exact frPoly.</summary>
public sealed class MaskPolygonsTests(ITestOutputHelper output)
{
    private const int Height = 60, Width = 80;

    public static TheoryData<string> Shapes => ["rectangle", "disc", "ell", "triangle", "two-blobs", "thin-line", "diagonal-band", "at-the-border"];

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Rasterising_the_polygons_again_gives_the_mask_back(string shape)
    {
        var mask = Mask(shape);

        var polygons = MaskPolygons.FromMask(mask);

        Assert.All(polygons, p => Assert.True(p.Length >= 6 && p.Length % 2 == 0));
        var back = Rle.FromPolygons(polygons, Height, Width);
        double iou = Iou(mask, back);
        output.WriteLine($"{shape}: {polygons.Count} polygons, {polygons.Sum(p => p.Length / 2)} vertices, area {mask.Area} → {back.Area}, IoU {iou:F4}");
        Assert.True(iou >= 0.9, $"IoU {iou:F4}");
    }

    [Fact]
    public void Without_simplification_a_rectangle_is_its_four_pixel_corners_and_comes_back_exactly()
    {
        var mask = Mask("rectangle");

        var polygon = Assert.Single(MaskPolygons.FromMask(mask, tolerance: 0));

        Assert.Equal([10, 5, 40, 5, 40, 25, 10, 25], polygon);
        Assert.Equal(1.0, Iou(mask, Rle.FromPolygons([polygon], Height, Width)));
    }

    [Fact]
    public void Unsimplified_polygons_of_any_shape_come_back_exactly()
    {
        foreach (var shape in new[] { "disc", "ell", "two-blobs", "diagonal-band" })
        {
            var mask = Mask(shape);
            Assert.Equal(1.0, Iou(mask, Rle.FromPolygons(MaskPolygons.FromMask(mask, tolerance: 0), Height, Width)));
        }
    }

    [Fact]
    public void Separate_components_give_separate_polygons_largest_first()
    {
        var polygons = MaskPolygons.FromMask(Mask("two-blobs"), tolerance: 0);

        Assert.Equal(2, polygons.Count);
        Assert.Equal([50, 30, 70, 30, 70, 50, 50, 50], polygons[0]);
        Assert.Equal([5, 5, 15, 5, 15, 15, 5, 15], polygons[1]);
    }

    [Fact]
    public void Pixels_touching_only_at_a_corner_are_separate_components()
    {
        var pixels = new byte[Height * Width];
        Set(pixels, 3, 3);
        Set(pixels, 4, 4);

        var polygons = MaskPolygons.FromMask(Rle.EncodeRowMajor(pixels, Height, Width), tolerance: 0);

        Assert.Equal(2, polygons.Count);
        Assert.Contains(polygons, p => p.SequenceEqual(new double[] { 3, 3, 4, 3, 4, 4, 3, 4 }));
        Assert.Contains(polygons, p => p.SequenceEqual(new double[] { 4, 4, 5, 4, 5, 5, 4, 5 }));
    }

    [Fact]
    public void A_hole_is_filled_because_coco_polygons_cannot_express_it()
    {
        var pixels = new byte[Height * Width];
        Fill(pixels, (x, y) => x is >= 10 and < 30 && y is >= 10 and < 30 && !(x is >= 15 and < 25 && y is >= 15 and < 25));

        var polygon = Assert.Single(MaskPolygons.FromMask(Rle.EncodeRowMajor(pixels, Height, Width), tolerance: 0));

        Assert.Equal([10, 10, 30, 10, 30, 30, 10, 30], polygon);
    }

    [Fact]
    public void An_empty_mask_has_no_polygons()
    {
        Assert.Empty(MaskPolygons.FromMask(RleMask.Empty(Height, Width)));
    }

    private static RleMask Mask(string shape)
    {
        var pixels = new byte[Height * Width];
        switch (shape)
        {
            case "rectangle":
                Fill(pixels, (x, y) => x is >= 10 and < 40 && y is >= 5 and < 25);
                break;
            case "disc":
                Fill(pixels, (x, y) => (x - 40.0) * (x - 40.0) + (y - 30.0) * (y - 30.0) <= 20 * 20);
                break;
            case "ell":
                Fill(pixels, (x, y) => (x is >= 10 and < 20 && y is >= 10 and < 50) || (x is >= 10 and < 60 && y is >= 40 and < 50));
                break;
            case "triangle":
                Fill(pixels, (x, y) => y >= 10 && y < 50 && x >= 20 && x - 20 < (y - 10) * 1.2);
                break;
            case "two-blobs":
                Fill(pixels, (x, y) => (x is >= 5 and < 15 && y is >= 5 and < 15) || (x is >= 50 and < 70 && y is >= 30 and < 50));
                break;
            case "thin-line":
                Fill(pixels, (x, y) => y is >= 20 and < 22 && x is >= 5 and < 75);
                break;
            case "diagonal-band":
                Fill(pixels, (x, y) => Math.Abs(x - y - 10) <= 4 && y is >= 5 and < 55);
                break;
            case "at-the-border":
                Fill(pixels, (x, y) => x < 25 && y >= 35);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(shape), shape, null);
        }

        return Rle.EncodeRowMajor(pixels, Height, Width);
    }

    private static void Fill(byte[] pixels, Func<int, int, bool> inside)
    {
        for (int y = 0; y < Height; y++)
        {
            for (int x = 0; x < Width; x++)
            {
                if (inside(x, y))
                {
                    Set(pixels, x, y);
                }
            }
        }
    }

    private static void Set(byte[] pixels, int x, int y) => pixels[y * Width + x] = 1;

    private static double Iou(RleMask a, RleMask b)
    {
        var iou = new double[1];
        Rle.Iou([a], [b], [false], iou);
        return iou[0];
    }
}
