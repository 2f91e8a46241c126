using DiMaskDino.Coco.Masks;

namespace DiMaskDino.Coco.Evaluation;

/// <summary>A ground-truth instance as the evaluator sees it (pycocotools' <c>_prepare</c>).</summary>
internal readonly record struct GroundTruthItem(
    long Id, int Image, int Category, double Area, bool IsCrowd, BoundingBox Box, Segmentation? Segmentation);

/// <summary>
/// A detection after pycocotools' <c>loadRes</c>: 1-based id in file order, area and box filled in. Mask-branch
/// detections keep the mask decoded for their area, so the IoU step does not decode it again.
/// </summary>
internal readonly record struct DetectionItem(
    long Id, int Image, int Category, double Score, double Area, BoundingBox Box, Segmentation? Segmentation, RleMask? Mask = null);

/// <summary>
/// Ground truth and detections indexed by evaluation cell: (category, image) with categories in
/// use, one cell per image otherwise. Within a cell items keep file order; without categories a
/// cell concatenates its categories in ascending id order (pycocotools' list comprehension).
/// </summary>
internal sealed class EvaluationInput
{
    private EvaluationInput(
        long[] imageIds, int[] imageHeights, int[] imageWidths, int[] categoryIds, bool useCategories,
        GroundTruthItem[] groundTruths, DetectionItem[] detections)
    {
        ImageIds = imageIds;
        ImageHeights = imageHeights;
        ImageWidths = imageWidths;
        CategoryIds = categoryIds;
        UseCategories = useCategories;
        GroundTruths = groundTruths;
        Detections = detections;
        (GroundTruthStarts, GroundTruthOrder) = Index(groundTruths.Length, i => Key(groundTruths[i].Image, groundTruths[i].Category));
        (DetectionStarts, DetectionOrder) = Index(detections.Length, i => Key(detections[i].Image, detections[i].Category));
    }

    public long[] ImageIds { get; }

    public int[] ImageHeights { get; }

    public int[] ImageWidths { get; }

    public int[] CategoryIds { get; }

    public bool UseCategories { get; }

    public GroundTruthItem[] GroundTruths { get; }

    public DetectionItem[] Detections { get; }

    /// <summary>K: categories in the result arrays (1 when categories are not used).</summary>
    public int CellCategoryCount => UseCategories ? CategoryIds.Length : 1;

    public int ImageCount => ImageIds.Length;

    private int[] GroundTruthStarts { get; }

    private int[] GroundTruthOrder { get; }

    private int[] DetectionStarts { get; }

    private int[] DetectionOrder { get; }

    public ReadOnlySpan<int> GroundTruthsOf(int cellCategory, int image) => Slice(GroundTruthStarts, GroundTruthOrder, cellCategory, image);

    public ReadOnlySpan<int> DetectionsOf(int cellCategory, int image) => Slice(DetectionStarts, DetectionOrder, cellCategory, image);

    public static EvaluationInput Create(CocoDataset groundTruth, IReadOnlyList<CocoDetection> detections, bool useCategories, ParallelOptions parallel)
    {
        var images = groundTruth.Images.OrderBy(image => image.Id).ToArray();
        var imageIndex = new Dictionary<long, int>(images.Length);
        for (var i = 0; i < images.Length; i++)
        {
            imageIndex.Add(images[i].Id, i);
        }

        var categoryIds = groundTruth.Categories.Select(c => c.Id).Order().ToArray();
        var categoryIndex = new Dictionary<int, int>(categoryIds.Length);
        for (var k = 0; k < categoryIds.Length; k++)
        {
            categoryIndex.Add(categoryIds[k], k);
        }

        var heights = images.Select(image => image.Height).ToArray();
        var widths = images.Select(image => image.Width).ToArray();
        var gts = PrepareGroundTruths(groundTruth, imageIndex, categoryIndex, heights, widths);
        var dts = DetectionLoader.Load(detections, imageIndex, categoryIndex, parallel);
        return new EvaluationInput([.. images.Select(image => image.Id)], heights, widths, categoryIds, useCategories, gts, dts);
    }

    private static GroundTruthItem[] PrepareGroundTruths(
        CocoDataset dataset, Dictionary<long, int> imageIndex, Dictionary<int, int> categoryIndex, int[] heights, int[] widths)
    {
        var items = new GroundTruthItem[dataset.Annotations.Count];
        for (var n = 0; n < items.Length; n++)
        {
            var a = dataset.Annotations[n];
            if (!imageIndex.TryGetValue(a.ImageId, out var image) || !categoryIndex.TryGetValue(a.CategoryId, out var category))
            {
                throw new ArgumentException($"ground-truth annotation {a.Id} refers to an unknown image or category");
            }

            // Tolerate files without area or bbox: derive them from the mask (pycocotools would fail), decoded once.
            var mask = (a.Bbox is null || a.Area is null) && a.Segmentation is not null
                ? MaskSource.ToRle(a.Segmentation, heights[image], widths[image], $"ground-truth annotation {a.Id}")
                : null;
            var box = a.Bbox ?? mask!.Bounds;
            var area = a.Area ?? mask?.Area ?? box.Area;
            items[n] = new GroundTruthItem(a.Id, image, category, area, a.IsCrowd, box, a.Segmentation);
        }

        return items;
    }

    private int Key(int image, int category) =>
        UseCategories ? category * ImageIds.Length + image : image * CategoryIds.Length + category;

    private ReadOnlySpan<int> Slice(int[] starts, int[] order, int cellCategory, int image)
    {
        int first, last;
        if (UseCategories)
        {
            first = starts[cellCategory * ImageIds.Length + image];
            last = starts[cellCategory * ImageIds.Length + image + 1];
        }
        else
        {
            first = starts[image * CategoryIds.Length];
            last = starts[(image + 1) * CategoryIds.Length];
        }

        return order.AsSpan(first, last - first);
    }

    /// <summary>Counting sort of item indices by key; stable, so file order survives inside a key.</summary>
    private (int[] Starts, int[] Order) Index(int count, Func<int, int> keyOf)
    {
        var keys = ImageIds.Length * CategoryIds.Length;
        var starts = new int[keys + 1];
        var itemKeys = new int[count];
        for (var i = 0; i < count; i++)
        {
            itemKeys[i] = keyOf(i);
            starts[itemKeys[i] + 1]++;
        }

        for (var k = 0; k < keys; k++)
        {
            starts[k + 1] += starts[k];
        }

        var next = starts[..^1];
        var order = new int[count];
        for (var i = 0; i < count; i++)
        {
            order[next[itemKeys[i]]++] = i;
        }

        return (starts, order);
    }
}
