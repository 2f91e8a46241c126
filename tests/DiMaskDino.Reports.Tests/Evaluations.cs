using DiMaskDino.TestSupport;
using DiMaskDino.Coco;
using DiMaskDino.Coco.Evaluation;

namespace DiMaskDino.Reports.Tests;

/// <summary>Real evaluator runs on the 01-basic golden case (read in place) and on small datasets built here.</summary>
internal static class Evaluations
{
    /// <summary>tests/golden/coco/cases/01-basic: four images, three categories, polygons and RLE.</summary>
    public static CocoEvaluation Golden(IouType type)
    {
        var folder = SharedFiles.GoldenCase("01-basic");
        var gt = CocoFiles.ReadDataset(Path.Combine(folder, "gt.json"));
        var dt = CocoFiles.ReadDetections(Path.Combine(folder, "dt.json"), gt);
        return CocoEvaluator.Evaluate(gt, dt, new CocoEvalParameters { IouType = type });
    }

    /// <summary>
    /// Two 100×100 images. Category 1 ("square"): boxes exact, masks shrunk, so the box is ahead. Category 2
    /// ("bar, wide"): boxes shifted, masks exact, so the mask is ahead. Category 3 ("unused") has no ground truth.
    /// One false positive of category 1.
    /// </summary>
    public static CocoEvaluation Synthetic(IouType type) => CocoEvaluator.Evaluate(SyntheticGroundTruth, SyntheticDetections, new CocoEvalParameters { IouType = type });

    /// <summary>One category whose detections match at some IoU thresholds but not all.</summary>
    public static CocoEvaluation SingleCategory(IouType type)
    {
        var gt = new CocoDataset
        {
            Images = [Image(1), Image(2)],
            Categories = [new CocoCategory { Id = 7, Name = "only" }],
            Annotations = [Truth(1, 1, 7, 10, 10, 40, 40), Truth(2, 1, 7, 55, 55, 30, 30), Truth(3, 2, 7, 5, 5, 90, 60)],
        };
        CocoDetection[] dt =
        [
            Detect(1, 7, 0.9, Box(12, 10, 40, 40), Rect(10, 10, 40, 36)),
            Detect(1, 7, 0.8, Box(60, 60, 30, 30), Rect(55, 55, 30, 22)),
            Detect(2, 7, 0.7, Box(5, 5, 90, 60), Rect(5, 15, 90, 50)),
            Detect(2, 7, 0.6, Box(40, 70, 20, 20), Rect(40, 70, 20, 20)),
        ];
        return CocoEvaluator.Evaluate(gt, dt, new CocoEvalParameters { IouType = type });
    }

    /// <summary>Images and detections but no ground-truth instance: every number is undefined.</summary>
    public static CocoEvaluation NoGroundTruth(IouType type)
    {
        var gt = new CocoDataset { Images = [Image(1)], Categories = [new CocoCategory { Id = 1, Name = "nothing" }] };
        return CocoEvaluator.Evaluate(gt, [Detect(1, 1, 0.5, Box(10, 10, 20, 20), Rect(10, 10, 20, 20))], new CocoEvalParameters { IouType = type });
    }

    private static readonly CocoDataset SyntheticGroundTruth = new()
    {
        Images = [Image(1), Image(2)],
        Categories =
        [
            new CocoCategory { Id = 1, Name = "square" },
            new CocoCategory { Id = 2, Name = "bar, wide" },
            new CocoCategory { Id = 3, Name = "unused" },
        ],
        Annotations =
        [
            Truth(1, 1, 1, 10, 10, 40, 40),
            Truth(2, 1, 2, 55, 20, 40, 10),
            Truth(3, 2, 1, 20, 20, 60, 60),
            Truth(4, 2, 2, 5, 85, 50, 12),
        ],
    };

    private static readonly CocoDetection[] SyntheticDetections =
    [
        Detect(1, 1, 0.95, Box(10, 10, 40, 40), Rect(14, 14, 32, 32)),
        Detect(2, 1, 0.90, Box(20, 20, 60, 60), Rect(26, 26, 48, 48)),
        Detect(1, 2, 0.85, Box(59, 21, 40, 10), Rect(55, 20, 40, 10)),
        Detect(2, 2, 0.80, Box(9, 86, 50, 12), Rect(5, 85, 50, 12)),
        Detect(1, 1, 0.30, Box(60, 60, 20, 20), Rect(60, 60, 20, 20)),
    ];

    private static CocoImage Image(long id) => new() { Id = id, Width = 100, Height = 100, FileName = $"{id}.png" };

    private static CocoAnnotation Truth(long id, long image, int category, double x, double y, double w, double h) =>
        new() { Id = id, ImageId = image, CategoryId = category, Bbox = Box(x, y, w, h), Segmentation = Rect(x, y, w, h) };

    private static CocoDetection Detect(long image, int category, double score, BoundingBox box, Segmentation mask) =>
        new() { ImageId = image, CategoryId = category, Score = score, Bbox = box, Segmentation = mask };

    private static BoundingBox Box(double x, double y, double w, double h) => new(x, y, w, h);

    private static PolygonSegmentation Rect(double x, double y, double w, double h) =>
        new([[x, y, x + w, y, x + w, y + h, x, y + h]]);
}
