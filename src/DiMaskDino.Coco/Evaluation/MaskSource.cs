using DiMaskDino.Coco.Masks;

namespace DiMaskDino.Coco.Evaluation;

/// <summary>pycocotools' <c>annToRLE</c>: any segmentation to an RLE mask.</summary>
internal static class MaskSource
{
    /// <param name="height">image height, used for polygons; RLEs keep their own size</param>
    /// <param name="width">image width, used for polygons</param>
    /// <param name="owner">who owns the segmentation, for error messages</param>
    public static RleMask ToRle(Segmentation? segmentation, int height, int width, string owner)
    {
        try
        {
            return segmentation switch
            {
                PolygonSegmentation polygons => FromPolygons(polygons, height, width, owner),
                RleSegmentation { CompressedCounts: { } text } rle => Rle.FromCompressedString(text, rle.Height, rle.Width),
                RleSegmentation rle => Rle.FromUncompressed(rle.Counts, rle.Height, rle.Width),
                _ => throw new InvalidDataException($"{owner} has no segmentation, which a mask evaluation needs"),
            };
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new InvalidDataException($"{owner}: {e.Message}", e);
        }
    }

    private static RleMask FromPolygons(PolygonSegmentation polygons, int height, int width, string owner)
    {
        // frPyObjects decides by the first polygon: 4 numbers would be read as boxes (and fail),
        // fewer is not a supported shape.
        if (polygons.Polygons.Count == 0 || polygons.Polygons[0].Length <= 4)
        {
            var found = polygons.Polygons.Count == 0 ? "no polygon" : $"a first polygon of {polygons.Polygons[0].Length / 2} points";
            throw new InvalidDataException($"{owner} has {found}; a polygon needs at least 3 points");
        }

        return Rle.FromPolygons(polygons.Polygons, height, width);
    }
}
