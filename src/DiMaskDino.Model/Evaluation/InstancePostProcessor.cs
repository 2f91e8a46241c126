// The official instance-segmentation inference post-processing (model.md §10), on TorchSharp outputs, for
// evaluating checkpoints during training. The ONNX inference engine re-implements the same steps on ORT outputs.

using DiMaskDino.Coco;
using DiMaskDino.Coco.Masks;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Evaluation;

/// <summary>Where an image sits inside the padded canvas the model saw, and its original size.</summary>
/// <param name="CanvasHeight">H_pad: padded canvas height (multiple of 32)</param>
/// <param name="CanvasWidth">W_pad</param>
/// <param name="ResizedHeight">h: height of the resized, un-padded image inside the canvas</param>
/// <param name="ResizedWidth">w</param>
/// <param name="OriginalHeight">H₀: height of the image as the dataset knows it</param>
/// <param name="OriginalWidth">W₀</param>
public readonly record struct ImageGeometry(
    int CanvasHeight, int CanvasWidth, int ResizedHeight, int ResizedWidth, int OriginalHeight, int OriginalWidth);

/// <summary>One post-processed instance: class index, score, box (xywh, original pixels) and RLE mask.</summary>
public sealed record PredictedInstance(int ClassIndex, double Score, BoundingBox Box, RleMask Mask);

/// <summary>
/// §10: top-k (100) over queries × classes of σ(logits); masks upsampled to the canvas, cropped to the resized image
/// and resized to the original size, thresholded at 0; score = class score × mask score; boxes from the box head
/// mapped from the canvas to original pixels. No clipping, no NMS. Only the kept queries' masks are upsampled.
/// </summary>
public sealed class InstancePostProcessor(int detectionsPerImage = 100)
{
    private const double MaskScoreEpsilon = 1e-6;

    /// <param name="logits">[Q, C] class logits of one image</param>
    /// <param name="boxes">[Q, 4] cxcywh, normalised to the padded canvas</param>
    /// <param name="maskLogits">[Q, H_pad/4, W_pad/4] mask logits</param>
    public IReadOnlyList<PredictedInstance> Process(Tensor logits, Tensor boxes, Tensor maskLogits, ImageGeometry geometry)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        long queries = logits.shape[0], classes = logits.shape[1];
        var k = (int)Math.Min(detectionsPerImage, queries * classes);
        var (topScores, topIndices) = logits.sigmoid().flatten().topk(k, sorted: true);
        var queryIndex = topIndices.floor_divide(classes);
        var labels = topIndices.remainder(classes);

        var masks = maskLogits.index_select(0, queryIndex).unsqueeze(0);                        // [1, k, h4, w4]
        masks = nn.functional.interpolate(masks, [geometry.CanvasHeight, geometry.CanvasWidth], mode: InterpolationMode.Bilinear, align_corners: false);
        masks = masks[.., .., ..geometry.ResizedHeight, ..geometry.ResizedWidth];
        masks = nn.functional.interpolate(masks, [geometry.OriginalHeight, geometry.OriginalWidth], mode: InterpolationMode.Bilinear, align_corners: false)[0]; // [k, H0, W0]
        var binary = masks > 0;
        var binaryFloat = binary.to_type(float32);
        var maskScores = (masks.sigmoid() * binaryFloat).sum([1, 2]) / (binaryFloat.sum([1, 2]) + MaskScoreEpsilon);
        var scores = (topScores * maskScores).to_type(float64);

        var selected = boxes.index_select(0, queryIndex);                                        // [k, 4] cxcywh
        // The official arithmetic: scale factors in double (W_pad / w first), rounded to float32, float32 products.
        var scaleX = (float)((double)geometry.CanvasWidth / geometry.ResizedWidth * geometry.OriginalWidth);
        var scaleY = (float)((double)geometry.CanvasHeight / geometry.ResizedHeight * geometry.OriginalHeight);
        var xyxy = (Common.BoxMath.CxcywhToXyxy(selected.to_type(float32)) * tensor(new[] { scaleX, scaleY, scaleX, scaleY }, dtype: float32, device: boxes.device)).to_type(float64);

        // Column-major masks, as COCO RLE wants: [k, W0, H0] contiguous.
        var columnMajor = binary.transpose(1, 2).contiguous().to_type(uint8).cpu().data<byte>().ToArray();
        var scoreValues = scores.cpu().data<double>().ToArray();
        var labelValues = labels.cpu().data<long>().ToArray();
        var boxValues = xyxy.cpu().data<double>().ToArray();
        var pixels = geometry.OriginalHeight * geometry.OriginalWidth;
        var result = new PredictedInstance[k];
        for (var i = 0; i < k; i++)
        {
            var (x0, y0, x1, y1) = (boxValues[4 * i], boxValues[4 * i + 1], boxValues[4 * i + 2], boxValues[4 * i + 3]);
            var mask = Rle.Encode(columnMajor.AsSpan(i * pixels, pixels), geometry.OriginalHeight, geometry.OriginalWidth);
            result[i] = new PredictedInstance((int)labelValues[i], scoreValues[i], new BoundingBox(x0, y0, x1 - x0, y1 - y0), mask);
        }

        return result;
    }

    /// <summary>The instances as COCO results entries with compressed-RLE masks.</summary>
    public static IEnumerable<CocoDetection> ToDetections(IEnumerable<PredictedInstance> instances, long imageId, Func<int, int> categoryIdOf) =>
        instances.Select(instance => new CocoDetection
        {
            ImageId = imageId,
            CategoryId = categoryIdOf(instance.ClassIndex),
            Score = instance.Score,
            Bbox = instance.Box,
            Segmentation = RleSegmentation.Compressed(instance.Mask.Height, instance.Mask.Width, Rle.ToCompressedString(instance.Mask)),
        });
}
