using System.Text.Json.Serialization;
using DiMaskDino.Coco.Json;

namespace DiMaskDino.Coco;

/// <summary>
/// An instance mask as COCO files carry it: a list of polygons, an uncompressed RLE
/// (<c>counts</c> is a list of run lengths) or a compressed RLE (<c>counts</c> is a string).
/// </summary>
[JsonConverter(typeof(SegmentationJsonConverter))]
public abstract record Segmentation;

/// <summary>One or more polygons, each <c>[x0, y0, x1, y1, ...]</c> in absolute pixels.</summary>
public sealed record PolygonSegmentation(IReadOnlyList<double[]> Polygons) : Segmentation;

/// <summary>
/// A run-length encoded mask with its own size. Exactly one of <see cref="CompressedCounts"/>
/// and <see cref="Counts"/> is set.
/// </summary>
public sealed record RleSegmentation(int Height, int Width, string? CompressedCounts, uint[]? Counts) : Segmentation
{
    public static RleSegmentation Compressed(int height, int width, string counts) => new(height, width, counts, null);

    public static RleSegmentation Uncompressed(int height, int width, uint[] counts) => new(height, width, null, counts);
}
