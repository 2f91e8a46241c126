using DiMaskDino.Coco;
using DiMaskDino.Coco.Masks;

namespace DiMaskDino.Pipeline.Exports;

/// <summary>An annotation's mask in the forms the exports need: a bitmap mask or polygons.</summary>
internal static class ExportMasks
{
    /// <summary>The annotation's mask at the image's size (polygons rasterized as pycocotools does); empty when it has none.</summary>
    public static RleMask Mask(CocoAnnotation annotation, CocoImage image) => annotation.Segmentation switch
    {
        RleSegmentation { CompressedCounts: { } counts } rle => Rle.FromCompressedString(counts, rle.Height, rle.Width),
        RleSegmentation { Counts: { } counts } rle => Rle.FromUncompressed(counts, rle.Height, rle.Width),
        PolygonSegmentation polygons => Rle.FromPolygons(polygons.Polygons, image.Height, image.Width),
        _ => RleMask.Empty(image.Height, image.Width),
    };

    /// <summary>Polygons in pixel-corner coordinates, largest first (kept as they are when the annotation has polygons).</summary>
    public static IReadOnlyList<double[]> Polygons(CocoAnnotation annotation, CocoImage image) =>
        annotation.Segmentation is PolygonSegmentation polygons ? polygons.Polygons : MaskPolygons.FromMask(Mask(annotation, image));
}
