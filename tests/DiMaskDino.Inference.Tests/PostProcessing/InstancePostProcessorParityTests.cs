using DiMaskDino.Coco.Masks;
using DiMaskDino.Inference.Images;
using DiMaskDino.Inference.PostProcessing;
using Xunit.Abstractions;
using static TorchSharp.torch;
using TorchPostProcessor = DiMaskDino.Model.Evaluation.InstancePostProcessor;
using TorchGeometry = DiMaskDino.Model.Evaluation.ImageGeometry;

namespace DiMaskDino.Inference.Tests.PostProcessing;

/// <summary>The array post-processor against the TorchSharp one (both model.md §10) on random model outputs.</summary>
public sealed class InstancePostProcessorParityTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(96, 128, 150, 100, 1)]   // canvas H+W > 128: libtorch's generic bilinear kernel
    [InlineData(64, 64, 40, 90, 2)]      // small canvas: libtorch's channels-last kernel for the first upsample
    [InlineData(64, 96, 64, 96, 3)]      // no resize: the second interpolation is the identity
    [InlineData(128, 128, 400, 300, 4)]  // original larger than the canvas
    [InlineData(128, 96, 300, 170, 5, true)]  // sparse masks: most columns take the all-background shortcut
    public void Matches_the_TorchSharp_post_processor(int canvasH, int canvasW, int h0, int w0, int seed, bool sparse = false)
    {
        const int queries = 50, classes = 5;
        int h4 = canvasH / 4, w4 = canvasW / 4;
        var random = new Random(seed);
        float[] logits = Gaussian(random, queries * classes, 2.0);
        float[] boxes = Enumerable.Range(0, queries * 4).Select(_ => (float)(0.05 + 0.9 * random.NextDouble())).ToArray();
        float[] masks = Gaussian(random, queries * h4 * w4, 3.0);
        if (sparse)
        {
            // Mostly background with one positive blob per query around a random low-res pixel.
            for (int q = 0; q < queries; q++)
            {
                int cy = random.Next(h4), cx = random.Next(w4);
                for (int y = 0; y < h4; y++)
                {
                    for (int x = 0; x < w4; x++)
                    {
                        float d = Math.Abs(y - cy) + Math.Abs(x - cx);
                        masks[(q * h4 + y) * w4 + x] = d <= 2 ? 4f - d + masks[(q * h4 + y) * w4 + x] * 0.1f : -3f - d;
                    }
                }
            }
        }
        var geometry = LetterboxGeometry.Fit(canvasH, canvasW, h0, w0);

        var actual = new InstancePostProcessor().Process(logits, boxes, masks, classes, h4, w4, geometry);

        using var scope = NewDisposeScope();
        var expected = new TorchPostProcessor().Process(
            tensor(logits).reshape(queries, classes),
            tensor(boxes).reshape(queries, 4),
            tensor(masks).reshape(queries, h4, w4),
            new TorchGeometry(geometry.CanvasHeight, geometry.CanvasWidth, geometry.ResizedHeight, geometry.ResizedWidth, h0, w0));

        Assert.Equal(100, actual.Count);
        Assert.Equal(expected.Count, actual.Count);
        long differentPixels = 0, foreground = 0;
        var a = new byte[h0 * w0];
        var e = new byte[h0 * w0];
        for (int i = 0; i < actual.Count; i++)
        {
            Assert.Equal(expected[i].ClassIndex, actual[i].ClassIndex);
            Assert.Equal(expected[i].Score, actual[i].Score, 1e-5);
            Assert.Equal(expected[i].Box.X, actual[i].Box.X, 1e-4);
            Assert.Equal(expected[i].Box.Y, actual[i].Box.Y, 1e-4);
            Assert.Equal(expected[i].Box.Width, actual[i].Box.Width, 1e-4);
            Assert.Equal(expected[i].Box.Height, actual[i].Box.Height, 1e-4);
            Assert.Equal((h0, w0), (actual[i].Mask.Height, actual[i].Mask.Width));
            Rle.Decode(actual[i].Mask, a);
            Rle.Decode(expected[i].Mask, e);
            for (int p = 0; p < a.Length; p++)
            {
                differentPixels += a[p] != e[p] ? 1 : 0;
            }

            foreground += expected[i].Mask.Area;
        }

        output.WriteLine($"{differentPixels} of {(long)actual.Count * h0 * w0} mask pixels differ ({foreground} foreground)");
        Assert.True(differentPixels <= 5, $"{differentPixels} mask pixels differ");
    }

    [Fact]
    public void Kept_entries_follow_descending_score_with_ties_by_lower_flat_index()
    {
        // Queries 0 and 1 tie on class 1; everything else is far below.
        float[] logits = [-9, 2, -9, 2, -8, -9];
        float[] boxes = [0.5f, 0.5f, 0.2f, 0.2f, 0.5f, 0.5f, 0.2f, 0.2f, 0.5f, 0.5f, 0.2f, 0.2f];
        float[] masks = Enumerable.Repeat(5f, 3 * 4 * 4).ToArray();
        var result = new InstancePostProcessor(new() { DetectionsPerImage = 3 })
            .Process(logits, boxes, masks, 2, 4, 4, LetterboxGeometry.Fit(16, 16, 16, 16));

        Assert.Equal([(0, 1), (1, 1), (2, 0)], result.Select(r => (r.Query, r.ClassIndex)));
    }

    [Fact]
    public void Score_threshold_drops_low_final_scores()
    {
        float[] logits = [3, -3];
        float[] boxes = [0.5f, 0.5f, 0.2f, 0.2f];
        float[] masks = Enumerable.Repeat(5f, 4 * 4).ToArray();
        var result = new InstancePostProcessor(new() { ScoreThreshold = 0.5 })
            .Process(logits, boxes, masks, 2, 4, 4, LetterboxGeometry.Fit(16, 16, 16, 16));

        var kept = Assert.Single(result);
        Assert.Equal(0, kept.ClassIndex);
        Assert.Equal(256, kept.Mask.Area);
        Assert.Equal(kept.ClassScore * (1 / (1 + Math.Exp(-5))), kept.Score, 1e-6);
    }

    [Fact]
    public void Each_instance_carries_its_querys_best_other_class_and_the_choice_is_unchanged()
    {
        // Query 0: classes 2 > 0 > 1; query 1: classes 1 > 2 > 0. Top 3 over queries × classes: (0, 2), (1, 1), (0, 0).
        float[] logits = [1f, -2f, 3f, -3f, 2.5f, 0.5f];
        float[] boxes = [0.5f, 0.5f, 0.2f, 0.2f, 0.3f, 0.3f, 0.2f, 0.2f];
        float[] masks = Enumerable.Repeat(5f, 2 * 4 * 4).ToArray();
        static double Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));

        var result = new InstancePostProcessor(new() { DetectionsPerImage = 3 })
            .Process(logits, boxes, masks, 3, 4, 4, LetterboxGeometry.Fit(16, 16, 16, 16));

        Assert.Equal([(0, 2), (1, 1), (0, 0)], result.Select(r => (r.Query, r.ClassIndex)));
        Assert.Equal(new RunnerUpClass(0, Sigmoid(1f)), result[0].RunnerUp);
        Assert.Equal(new RunnerUpClass(2, Sigmoid(0.5f)), result[1].RunnerUp);
        Assert.Equal(new RunnerUpClass(2, Sigmoid(3f)), result[2].RunnerUp); // kept as its second class: negative margin
        Assert.True(result[2].ClassScore < result[2].RunnerUp!.Value.ClassScore);
        Assert.Null(Assert.Single(new InstancePostProcessor().Process([3f], boxes[..4], masks[..16], 1, 4, 4, LetterboxGeometry.Fit(16, 16, 16, 16))).RunnerUp);
    }

    [Theory]
    [InlineData(0.5f, 0)]
    [InlineData(2f, 256)]
    public void Mask_logit_threshold_is_strict_and_an_empty_mask_scores_zero(float logit, int area)
    {
        float[] masks = Enumerable.Repeat(logit, 4 * 4).ToArray();
        var kept = Assert.Single(new InstancePostProcessor(new() { MaskLogitThreshold = 1f })
            .Process([3f], [0.5f, 0.5f, 0.2f, 0.2f], masks, 1, 4, 4, LetterboxGeometry.Fit(16, 16, 16, 16)));

        Assert.Equal(area, kept.Mask.Area);
        Assert.Equal(area == 0 ? 0 : kept.ClassScore * (1 / (1 + Math.Exp(-logit))), kept.Score, 1e-6);
    }

    [Fact]
    public void Detections_carry_compressed_rle_and_mapped_category_ids()
    {
        float[] logits = [3];
        float[] boxes = [0.5f, 0.5f, 0.5f, 0.5f];
        float[] masks = Enumerable.Repeat(-5f, 4 * 4).ToArray();
        masks[5] = 5f;
        var instances = new InstancePostProcessor().Process(logits, boxes, masks, 1, 4, 4, LetterboxGeometry.Fit(16, 16, 32, 16));

        var detection = Assert.Single(InstancePostProcessor.ToDetections(instances, imageId: 42, categoryIdOf: c => c + 1));
        Assert.Equal(42, detection.ImageId);
        Assert.Equal(1, detection.CategoryId);
        var rle = Assert.IsType<DiMaskDino.Coco.RleSegmentation>(detection.Segmentation);
        Assert.Equal((32, 16), (rle.Height, rle.Width));
        Assert.Equal(instances[0].Mask.Counts.ToArray(), Rle.FromCompressedString(rle.CompressedCounts!, 32, 16).Counts.ToArray());
        // Box 0.25..0.75 of a 16×16 canvas holding the 32×16 image resized to 16×8 → ×16·(16/8) in x, ×16·(32/16) in y.
        Assert.Equal(new DiMaskDino.Coco.BoundingBox(8, 8, 16, 16), detection.Bbox);
    }

    private static float[] Gaussian(Random random, int count, double sigma) =>
        Enumerable.Range(0, count)
            .Select(_ => (float)(sigma * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble())))
            .ToArray();
}
