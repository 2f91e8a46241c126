// Polygons and boxes -> RLE: rleFrPoly, rleFrBbox and frPyObjects of pycocotools (common/maskApi.c and
// PythonAPI/pycocotools/_mask.pyx, ppwwyyxx/cocoapi; Simplified BSD License). The rasterizer is PolygonRasterizer.

namespace DiMaskDino.Coco.Masks;

public static partial class Rle
{
    /// <summary>Rasterizes one polygon exactly as rleFrPoly does.</summary>
    /// <param name="xy">Vertices <c>x0, y0, x1, y1, ...</c> in pixels (COCO segmentation polygon); a trailing odd value is ignored.</param>
    /// <remarks>
    /// Fewer than two vertices, or an image with no pixels, give the empty mask. Pixel <c>(y, x)</c> is inside when
    /// its centre <c>(x + .5, y + .5)</c> is, up to the 1/5-pixel boundary sampling of rleFrPoly.
    /// </remarks>
    public static RleMask FromPolygon(ReadOnlySpan<double> xy, int height, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(height);
        ArgumentOutOfRangeException.ThrowIfNegative(width);
        return PolygonRasterizer.Rasterize(xy, height, width);
    }

    /// <summary>
    /// The mask of a COCO polygon segmentation (a list of polygons): each polygon rasterized, then their union, as
    /// pycocotools' <c>annToRLE</c> does with <c>frPyObjects</c> and <c>merge</c>. Overlapping parts are simply
    /// unioned (no even-odd rule between polygons).
    /// </summary>
    /// <exception cref="ArgumentException">
    /// The list is empty or its first polygon has 4 numbers or fewer. frPyObjects decides "polygons" from the first
    /// entry alone and raises for these (4 numbers would be a box, which it rejects in a list).
    /// </exception>
    public static RleMask FromPolygons(IReadOnlyList<double[]> polygons, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(polygons);
        ArgumentOutOfRangeException.ThrowIfNegative(height);
        ArgumentOutOfRangeException.ThrowIfNegative(width);
        if (polygons.Count == 0)
        {
            throw new ArgumentException("A polygon segmentation needs at least one polygon.", nameof(polygons));
        }

        if (polygons[0] is not { Length: > 4 })
        {
            throw new ArgumentException(
                $"The first polygon of a segmentation must have more than 4 coordinates (has {polygons[0]?.Length ?? 0}); pycocotools rejects it too.",
                nameof(polygons));
        }

        if (polygons.Count == 1)
        {
            return PolygonRasterizer.Rasterize(polygons[0], height, width);
        }

        var parts = new RleMask[polygons.Count];
        for (int i = 0; i < parts.Length; i++)
        {
            double[] polygon = polygons[i] ?? throw new ArgumentException($"Polygon {i} is null.", nameof(polygons));
            parts[i] = PolygonRasterizer.Rasterize(polygon, height, width);
        }

        return Merge(parts, intersect: false);
    }

    /// <summary>
    /// The mask of a box (rleFrBbox): the polygon <c>[x, y, x, y+h, x+w, y+h, x+w, y]</c> rasterized by
    /// <see cref="FromPolygon"/>, which is also the polygon COCO's loadRes gives box-only detections.
    /// </summary>
    public static RleMask FromBox(BoundingBox box, int height, int width)
    {
        double xs = box.X, xe = xs + box.Width;
        double ys = box.Y, ye = ys + box.Height;
        ReadOnlySpan<double> xy = [xs, ys, xs, ye, xe, ye, xe, ys];
        return FromPolygon(xy, height, width);
    }
}
