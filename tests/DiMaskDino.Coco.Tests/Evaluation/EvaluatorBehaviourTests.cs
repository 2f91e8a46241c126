using DiMaskDino.Coco.Evaluation;

namespace DiMaskDino.Coco.Tests.Evaluation;

/// <summary>What the evaluator does beyond the goldens: edge inputs, determinism, threading.</summary>
public sealed class EvaluatorBehaviourTests
{
    private static readonly CocoDataset TwoImages = new()
    {
        Images = [new CocoImage { Id = 1, Width = 20, Height = 10 }, new CocoImage { Id = 2, Width = 20, Height = 10 }],
        Categories = [new CocoCategory { Id = 1, Name = "a" }, new CocoCategory { Id = 2, Name = "b" }],
        Annotations =
        [
            new CocoAnnotation { Id = 1, ImageId = 1, CategoryId = 1, Bbox = new BoundingBox(0, 0, 4, 4), Area = 16, Segmentation = new PolygonSegmentation([[0, 0, 4, 0, 4, 4, 0, 4]]) },
            new CocoAnnotation { Id = 2, ImageId = 2, CategoryId = 2, Bbox = new BoundingBox(5, 5, 3, 3), Area = 9, Segmentation = new PolygonSegmentation([[5, 5, 8, 5, 8, 8, 5, 8]]) },
        ],
    };

    [Fact]
    public void No_detections_gives_zero_precision_for_categories_with_ground_truth()
    {
        var result = CocoEvaluator.Evaluate(TwoImages, [], new CocoEvalParameters());
        Assert.Equal(0, result.Stats[0]);
        Assert.Equal(0, result.Stats[8]);
        Assert.Equal(-1, result.Stats[5]);
    }

    [Fact]
    public void A_perfect_detection_set_scores_one()
    {
        CocoDetection[] detections =
        [
            new() { ImageId = 1, CategoryId = 1, Score = 0.9, Bbox = new BoundingBox(0, 0, 4, 4) },
            new() { ImageId = 2, CategoryId = 2, Score = 0.8, Bbox = new BoundingBox(5, 5, 3, 3) },
        ];
        foreach (var type in new[] { IouType.Bbox, IouType.Segm })
        {
            var result = CocoEvaluator.Evaluate(TwoImages, detections, new CocoEvalParameters { IouType = type });
            // precision is tp / (tp + fp + eps), so "perfect" is 1 - 2.2e-16, as in pycocotools
            Assert.Equal(1, result.Stats[0], 1e-12);
            Assert.Equal(1, result.Stats[3], 1e-12);
        }
    }

    [Fact]
    public void Detections_after_a_boxed_first_one_must_have_boxes()
    {
        CocoDetection[] detections =
        [
            new() { ImageId = 1, CategoryId = 1, Score = 0.9, Bbox = new BoundingBox(0, 0, 4, 4) },
            new() { ImageId = 2, CategoryId = 2, Score = 0.8, Segmentation = RleSegmentation.Uncompressed(10, 20, [200]) },
        ];
        var error = Assert.Throws<ArgumentException>(() => CocoEvaluator.Evaluate(TwoImages, detections, new CocoEvalParameters()));
        Assert.Contains("detection #1 has no bbox", error.Message);
    }

    [Fact]
    public void Detection_on_an_image_outside_the_ground_truth_is_rejected()
    {
        CocoDetection[] detections = [new() { ImageId = 3, CategoryId = 1, Score = 0.9, Bbox = new BoundingBox(0, 0, 4, 4) }];
        var error = Assert.Throws<ArgumentException>(() => CocoEvaluator.Evaluate(TwoImages, detections, new CocoEvalParameters()));
        Assert.Contains("image 3", error.Message);
    }

    [Theory]
    [InlineData(IouType.Bbox)]
    [InlineData(IouType.Segm)]
    public void Single_threaded_and_parallel_runs_give_identical_arrays(IouType type)
    {
        var golden = GoldenCase.Load("14-mixed");
        var gt = CocoFiles.ReadDataset(golden.GroundTruthPath);
        var dt = CocoFiles.ReadDetections(golden.DetectionsPath, gt);
        var parameters = new CocoEvalParameters { IouType = type };

        var single = CocoEvaluator.Evaluate(gt, dt, parameters, new CocoEvaluatorOptions { MaxDegreeOfParallelism = 1 });
        var parallel = CocoEvaluator.Evaluate(gt, dt, parameters, new CocoEvaluatorOptions { MaxDegreeOfParallelism = 4 });

        Assert.Equal(single.Arrays.Precision, parallel.Arrays.Precision);
        Assert.Equal(single.Arrays.Recall, parallel.Arrays.Recall);
        Assert.Equal(single.Arrays.Scores, parallel.Arrays.Scores);
        Assert.Equal(single.Stats, parallel.Stats);
    }

    [Fact]
    public void Missing_ground_truth_area_is_taken_from_the_mask()
    {
        var dataset = TwoImages with
        {
            Annotations = [TwoImages.Annotations[0] with { Area = null, Bbox = null }],
        };
        CocoDetection[] detections = [new() { ImageId = 1, CategoryId = 1, Score = 0.9, Bbox = new BoundingBox(0, 0, 4, 4) }];
        var result = CocoEvaluator.Evaluate(dataset, detections, new CocoEvalParameters());
        Assert.Equal(1, result.Stats[0], 1e-12);
        Assert.Equal(1, result.Stats[3], 1e-12);
    }
}
