// Own tests of polygon and box rasterization around the golden cases.

using DiMaskDino.Coco.Masks;

namespace DiMaskDino.Coco.Tests.Masks;

public sealed class RlePolygonTests
{
    [Fact]
    public void Box_equals_the_polygon_loadRes_makes_for_it()
    {
        var box = new BoundingBox(3.37, 4.81, 10.2, 6.66);
        double[] polygon = [box.X, box.Y, box.X, box.Y + box.Height, box.X + box.Width, box.Y + box.Height, box.X + box.Width, box.Y];

        Assert.Equal(
            Rle.FromPolygon(polygon, 20, 20).Counts.ToArray(),
            Rle.FromBox(box, 20, 20).Counts.ToArray());
    }

    [Fact]
    public void Integer_box_covers_exactly_its_pixels()
    {
        RleMask mask = Rle.FromBox(new BoundingBox(2, 3, 4, 5), 10, 12);

        Assert.Equal(20, mask.Area);
        Assert.Equal(new BoundingBox(2, 3, 4, 5), mask.Bounds);
    }

    [Fact]
    public void Polygon_segmentation_is_the_union_of_its_parts()
    {
        double[][] parts = [[1, 1, 10, 1, 10, 10, 1, 10], [5, 5, 14, 5, 14, 14, 5, 14]];

        RleMask merged = Rle.FromPolygons(parts, 16, 16);

        RleMask expected = Rle.Merge(parts.Select(p => Rle.FromPolygon(p, 16, 16)).ToArray(), intersect: false);
        Assert.Equal(expected.Counts.ToArray(), merged.Counts.ToArray());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Fewer_than_two_vertices_give_the_empty_mask(int coordinates)
    {
        double[] xy = new double[] { 4.5, 2.5, 7.5 }[..coordinates];

        RleMask mask = Rle.FromPolygon(xy, 8, 9);

        Assert.Equal([72u], mask.Counts.ToArray());
    }

    [Fact]
    public void Polygon_on_a_zero_sized_image_is_empty()
    {
        RleMask mask = Rle.FromPolygon([0, 0, 5, 0, 5, 5], 0, 7);

        Assert.Equal([0u], mask.Counts.ToArray());
    }

    [Fact]
    public void Repeated_vertices_do_not_change_the_mask()
    {
        double[] triangle = [1, 1, 9, 2, 4, 8];
        double[] repeated = [1, 1, 1, 1, 9, 2, 9, 2, 4, 8];

        Assert.Equal(
            Rle.FromPolygon(triangle, 10, 12).Counts.ToArray(),
            Rle.FromPolygon(repeated, 10, 12).Counts.ToArray());
    }

    [Fact]
    public void Segmentation_whose_first_polygon_is_not_a_polygon_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => Rle.FromPolygons([], 10, 10));
        Assert.Throws<ArgumentException>(() => Rle.FromPolygons([[1, 1, 5, 5]], 10, 10));
        Assert.Throws<ArgumentException>(() => Rle.FromPolygons([[1, 1, 5]], 10, 10));
    }
}
