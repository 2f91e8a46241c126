using DiMaskDino.Coco.Masks;

namespace DiMaskDino.Coco.Evaluation;

/// <summary>
/// pycocotools' <c>loadRes</c>: the first detection decides the format (box branch when it has a
/// bbox, mask branch otherwise); ids are 1..N in file order; box-branch detections take area = w*h
/// and, without a segmentation, the box polygon; mask-branch detections take the RLE area and, without
/// a bbox, the RLE's bounding box. Detections of categories not in the ground truth are dropped.
/// </summary>
internal static class DetectionLoader
{
    public static DetectionItem[] Load(
        IReadOnlyList<CocoDetection> detections, Dictionary<long, int> imageIndex, Dictionary<int, int> categoryIndex, ParallelOptions parallel)
    {
        if (detections.Count == 0)
        {
            return [];
        }

        var boxBranch = detections[0].Bbox is not null;
        var items = new DetectionItem[detections.Count];
        var known = new bool[detections.Count];
        // Mask-branch detections decode their RLE for the area: worth spreading over cores.
        Parallel.For(0, detections.Count, parallel, n =>
        {
            var d = detections[n];
            if (!imageIndex.TryGetValue(d.ImageId, out var image))
            {
                throw new ArgumentException($"detection #{n} refers to image {d.ImageId}, which is not in the ground truth");
            }

            if (categoryIndex.TryGetValue(d.CategoryId, out var category))
            {
                var id = n + 1L;
                items[n] = boxBranch ? FromBox(d, n, id, image, category) : FromMask(d, n, id, image, category);
                known[n] = true;
            }
        });

        var kept = 0;
        for (var n = 0; n < items.Length; n++)
        {
            if (known[n])
            {
                items[kept++] = items[n];
            }
        }

        return kept == items.Length ? items : items[..kept];
    }

    private static DetectionItem FromBox(CocoDetection d, int n, long id, int image, int category)
    {
        var box = d.Bbox ?? throw new ArgumentException(
            $"detection #{n} has no bbox, but the first detection has one (the format is decided by the first detection)");
        var segmentation = d.Segmentation ?? BoxPolygon(box);
        return new DetectionItem(id, image, category, d.Score, box.Width * box.Height, box, segmentation);
    }

    private static DetectionItem FromMask(CocoDetection d, int n, long id, int image, int category)
    {
        if (d.Segmentation is not RleSegmentation rle)
        {
            throw new ArgumentException(
                $"detection #{n} needs an RLE segmentation: the first detection has no bbox, so detections are read as masks");
        }

        var mask = MaskSource.ToRle(rle, rle.Height, rle.Width, $"detection #{n}");
        return new DetectionItem(id, image, category, d.Score, mask.Area, d.Bbox ?? mask.Bounds, rle, mask);
    }

    private static PolygonSegmentation BoxPolygon(BoundingBox b)
    {
        double x1 = b.X, y1 = b.Y, x2 = b.X + b.Width, y2 = b.Y + b.Height;
        return new PolygonSegmentation([[x1, y1, x1, y2, x2, y2, x2, y1]]);
    }
}
