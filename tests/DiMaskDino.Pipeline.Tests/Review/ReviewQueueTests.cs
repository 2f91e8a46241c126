using DiMaskDino.Coco;
using DiMaskDino.Coco.Masks;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Review;

namespace DiMaskDino.Pipeline.Tests.Review;

/// <summary>The queue built from shard results: measures taken from real RLE masks, ranking, failures apart.</summary>
public sealed class ReviewQueueTests
{
    [Fact]
    public void Measures_come_from_the_mask_the_box_and_the_class_margin()
    {
        // Two 4×4 squares in a 20×20 image: tight box (2, 2)-(14, 6) = 12×4; the model's box is the left square only.
        var pixels = new byte[20 * 20];
        foreach (var x0 in new[] { 2, 10 })
        {
            for (int y = 2; y < 6; y++)
            {
                pixels.AsSpan(y * 20 + x0, 4).Fill(1);
            }
        }

        var instance = Instance(Rle.EncodeRowMajor(pixels, 20, 20), new BoundingBox(2, 2, 4, 4), 0.8) with { ClassMargin = new ClassMargin(0.9, 3, 0.7) };

        var measures = InstanceMeasures.Of(instance, 20, 20);

        Assert.Equal(2, measures.Parts);
        Assert.Equal(16.0 / 48, measures.BoxMaskIou, 12);
        Assert.Equal(0.2, measures.ClassMargin!.Margin, 12);
        Assert.Equal((7, 0.8), (measures.CategoryId, measures.Score));
    }

    [Fact]
    public void An_empty_mask_disagrees_with_any_box()
    {
        var measures = InstanceMeasures.Of(Instance(RleMask.Empty(8, 8), new BoundingBox(1, 1, 3, 3), 0.9), 8, 8);

        Assert.Equal((0.0, 0), (measures.BoxMaskIou, measures.Parts));
    }

    [Fact]
    public void Every_labeled_image_is_ranked_by_score_then_file_name_and_failures_are_apart()
    {
        var job = Job(imagesPrefix: "set/");
        var square = Rle.FromBox(new BoundingBox(2, 2, 4, 4), 10, 10);
        var good = Instance(square, new BoundingBox(2, 2, 4, 4), 0.95) with { ClassMargin = new ClassMargin(0.97, 8, 0.05) };
        var shard0 = new ShardResult(job.JobId, 0,
        [
            Image(1, "set/b.png", good),
            Image(2, "set/empty.png"),
            Image(3, "set/a.png", good),
        ]) { Categories = [new LabelCategory(7, "circle"), new LabelCategory(8, "square")] };
        var shard1 = new ShardResult(job.JobId, 1,
        [
            new ImageResult(4, "set/z-broken.jpg", "e", 0, 0, []) { Failure = new ImageFailure(FailureKind.Image, "not an image") },
            Image(5, "set/sub/low.png", good with { Score = 0.52 }),
            Image(6, "set/another-empty.png"),
            new ImageResult(7, "set/a-broken.jpg", "e", 0, 0, []) { Failure = new ImageFailure(FailureKind.Shard, "shard failed") },
        ]) { Categories = shard0.Categories };
        var queue = new ReviewQueue(job);

        queue.Add(shard1);
        queue.Add(shard0);
        var document = queue.Build();

        Assert.Equal(
            ["another-empty.png", "empty.png", "sub/low.png", "a.png", "b.png"],
            document.Images.Select(i => i.FileName));
        Assert.Equal([1, 2, 3, 4, 5], document.Images.Select(i => i.Rank));
        Assert.Equal([0.6, 0.6, 0.24, 0, 0], document.Images.Select(i => i.Score));
        Assert.Equal(["a-broken.jpg", "z-broken.jpg"], document.Failures.Select(f => f.FileName));
        Assert.Equal("not an image", document.Failures[1].Reason);
        Assert.Equal((job.JobId, "shapes", 0.5), (document.JobId, document.Dataset, document.ScoreThreshold));
        Assert.StartsWith("instance 0 (circle, score 0.520)", document.Images[2].Reasons[0].Text, StringComparison.Ordinal);
    }

    internal static JobRecord Job(string imagesPrefix = "") => new()
    {
        JobId = "job-1",
        Request = new JobRequest
        {
            Dataset = "shapes",
            ImagesPrefix = imagesPrefix,
            Model = new ModelReference(ModelLocation.File, "model.onnx", "v1"),
            ShardSize = 4,
            Thresholds = new LabelingThresholds { ScoreThreshold = 0.5 },
        },
        State = JobState.Running,
        ShardCount = 2,
        CreatedAt = DateTimeOffset.UnixEpoch,
    };

    internal static CocoInstance Instance(RleMask mask, BoundingBox box, double score, int categoryId = 7) =>
        new(categoryId, box, mask.Area, score, RleSegmentation.Compressed(mask.Height, mask.Width, Rle.ToCompressedString(mask)));

    internal static ImageResult Image(long id, string name, params CocoInstance[] instances) => new(id, name, "etag", 10, 10, instances);
}
