// The official instance-segmentation inference post-processing (model.md §10) on the plain float arrays ONNX Runtime
// returns. DiMaskDino.Model.Evaluation.InstancePostProcessor does the same on TorchSharp tensors; a parity test
// keeps the two in step.

using DiMaskDino.Coco;
using DiMaskDino.Coco.Masks;
using DiMaskDino.Contracts.Labels;
using DiMaskDino.Inference.Images;

namespace DiMaskDino.Inference.PostProcessing;

/// <summary>
/// §10 for one image: σ(logits) flattened over Q×C, top k = min(<see cref="InstancePostProcessorOptions.DetectionsPerImage"/>, Q·C)
/// in descending score (query = index div C, class = index mod C); for each kept entry the query's mask logits are
/// upsampled to the canvas, cropped to the resized image, resized to the original size and thresholded, and the mask
/// score Σσ·bin/(Σbin + 1e-6) is taken in the same pass; final score = class score × mask score; boxes cxcywh on the
/// canvas → xyxy × (W_pad/w·W₀, H_pad/h·H₀), no clipping, no NMS. With <see cref="InstancePostProcessorOptions.Official"/>
/// this is <see cref="PostProcessMode.Official"/>: it reproduces the official instances (golden instances.json).
/// </summary>
/// <remarks>
/// <para>Ties in the top-k go to the lower flat index (q·C + c) first, which is what <c>torch.topk(sorted=True)</c>
/// gives on the CPU in practice (its order for exact ties is not documented). NaN scores sort last.</para>
/// <para>The same query can be kept for several classes; its mask is rasterized once and shared by those entries.</para>
/// <para>Boxes follow the official arithmetic: the scale factors are computed in double (W_pad / w first, then × W₀),
/// rounded to float32, and multiply the float32 corners in float32.</para>
/// <para>Each instance also carries its query's runner-up class (<see cref="InstancePrediction.RunnerUp"/>) for the
/// review queue's class margin; it changes nothing above.</para>
/// <para>Thread-safe: every call uses its own scratch buffers.</para>
/// </remarks>
public sealed class InstancePostProcessor
{
    public InstancePostProcessor(InstancePostProcessorOptions? options = null)
    {
        Options = options ?? new InstancePostProcessorOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Options.DetectionsPerImage, nameof(options));
        if (!Enum.IsDefined(Options.Mode))
        {
            throw new ArgumentOutOfRangeException(nameof(options), Options.Mode, "unknown post-processing mode");
        }
    }

    public InstancePostProcessorOptions Options { get; }

    /// <param name="logits">[Q, C] class logits of one image</param>
    /// <param name="boxes">[Q, 4] cxcywh, normalised by the padded canvas</param>
    /// <param name="maskLogits">[Q, maskHeight, maskWidth] mask logits (canvas / 4)</param>
    /// <param name="classes">C</param>
    /// <param name="maskHeight">h4</param>
    /// <param name="maskWidth">w4</param>
    /// <param name="geometry">Canvas, resized and original sizes of the image</param>
    /// <returns>The kept instances, best first.</returns>
    public IReadOnlyList<InstancePrediction> Process(
        ReadOnlySpan<float> logits, ReadOnlySpan<float> boxes, ReadOnlySpan<float> maskLogits,
        int classes, int maskHeight, int maskWidth, LetterboxGeometry geometry)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maskHeight);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maskWidth);
        geometry.Validate();
        if (logits.Length % classes != 0)
        {
            throw new ArgumentException($"{logits.Length} logits are not a whole number of rows of {classes} classes.", nameof(logits));
        }

        int queries = logits.Length / classes, plane = maskHeight * maskWidth;
        if (boxes.Length != 4 * queries)
        {
            throw new ArgumentException($"Expected {4 * queries} box values for {queries} queries, got {boxes.Length}.", nameof(boxes));
        }

        if (maskLogits.Length != (long)queries * plane)
        {
            throw new ArgumentException($"Expected {(long)queries * plane} mask logits ({queries}x{maskHeight}x{maskWidth}), got {maskLogits.Length}.", nameof(maskLogits));
        }

        var top = TopK(logits, Math.Min(Options.DetectionsPerImage, logits.Length), Options.ScoreThreshold);
        if (top.Length == 0)
        {
            return [];
        }

        var rasterizer = new MaskRasterizer(maskHeight, maskWidth, geometry);
        var masks = new Dictionary<int, (RleMask Mask, double Score)>();
        float scaleX = (float)((double)geometry.CanvasWidth / geometry.ResizedWidth * geometry.OriginalWidth);
        float scaleY = (float)((double)geometry.CanvasHeight / geometry.ResizedHeight * geometry.OriginalHeight);
        var result = new List<InstancePrediction>(top.Length);
        foreach (var (index, classScore) in top)
        {
            int query = index / classes, label = index % classes;
            if (!masks.TryGetValue(query, out var rasterized))
            {
                rasterized = rasterizer.Rasterize(maskLogits.Slice(query * plane, plane), Options.MaskLogitThreshold);
                masks[query] = rasterized;
            }

            double score = classScore * rasterized.Score;
            if (score < Options.ScoreThreshold)
            {
                continue;
            }

            ReadOnlySpan<float> b = boxes.Slice(4 * query, 4);
            float x0 = b[0] - 0.5f * b[2], y0 = b[1] - 0.5f * b[3], x1 = b[0] + 0.5f * b[2], y1 = b[1] + 0.5f * b[3];
            float left = x0 * scaleX, topY = y0 * scaleY, right = x1 * scaleX, bottom = y1 * scaleY;
            var box = new BoundingBox(left, topY, (double)right - left, (double)bottom - topY);
            result.Add(new InstancePrediction(query, label, classScore, score, box, rasterized.Mask)
            {
                RunnerUp = RunnerUp(logits.Slice(query * classes, classes), label),
            });
        }

        return result;
    }

    /// <summary>The instances as COCO results entries with compressed-RLE masks.</summary>
    /// <param name="categoryIdOf">Maps a contiguous class index to its COCO category id.</param>
    public static IEnumerable<CocoDetection> ToDetections(IEnumerable<InstancePrediction> instances, long imageId, Func<int, int> categoryIdOf)
    {
        ArgumentNullException.ThrowIfNull(instances);
        ArgumentNullException.ThrowIfNull(categoryIdOf);
        return instances.Select(instance => instance.ToCoco(categoryIdOf).ToDetection(imageId));
    }

    // The best class of one query's logits other than `label`, by σ as TopK computes it; ties to the lower index.
    private static RunnerUpClass? RunnerUp(ReadOnlySpan<float> row, int label)
    {
        int best = -1;
        for (int c = 0; c < row.Length; c++)
        {
            if (c != label && (best < 0 || row[c] > row[best]))
            {
                best = c;
            }
        }

        return best < 0 ? null : new RunnerUpClass(best, 1f / (1f + MathF.Exp(-row[best])));
    }

    // The k best (flat index, σ) in descending score, ties by ascending index; entries below `threshold` are skipped
    // (their final score could not reach it).
    private static (int Index, float Score)[] TopK(ReadOnlySpan<float> logits, int k, double threshold)
    {
        var candidates = new List<(int Index, float Score)>(logits.Length);
        for (int i = 0; i < logits.Length; i++)
        {
            float score = 1f / (1f + MathF.Exp(-logits[i]));
            if (threshold <= 0 || score >= threshold)
            {
                candidates.Add((i, score));
            }
        }

        candidates.Sort(static (a, b) =>
        {
            int byScore = float.IsNaN(a.Score) || float.IsNaN(b.Score)
                ? float.IsNaN(a.Score).CompareTo(float.IsNaN(b.Score))
                : b.Score.CompareTo(a.Score);
            return byScore != 0 ? byScore : a.Index.CompareTo(b.Index);
        });
        return [.. candidates.Take(k)];
    }
}
