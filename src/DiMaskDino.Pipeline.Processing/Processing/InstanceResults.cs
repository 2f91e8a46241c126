using DiMaskDino.Coco;
using DiMaskDino.Coco.Masks;
using DiMaskDino.Contracts.Labels;
using DiMaskDino.Contracts.Models;
using DiMaskDino.Inference.Batching;
using DiMaskDino.Inference.PostProcessing;
using DiMaskDino.Inference.Runtime;
using DiMaskDino.Pipeline.Jobs;

namespace DiMaskDino.Pipeline.Processing;

/// <summary>
/// One labeled image's <see cref="ImageResult"/> from the official instances the model gave: the instances of the job's
/// post-processing mode (labels made by <see cref="LabelPostProcessor"/>, or the official ones at the score threshold)
/// and, for a job with ground truth, every official instance as <see cref="ImageResult.Evaluation"/>.
/// </summary>
internal sealed class InstanceResults(LabelingThresholds thresholds, ModelMetadata model, bool keepEvaluation)
{
    private readonly LabelPostProcessor _labels = new(thresholds.LabelOptions());

    public ImageResult ToResult(ManifestImage image, string etag, ImageOutcome outcome)
    {
        var official = outcome.Instances;
        var written = thresholds.PostProcess == PostProcessMode.Labels
            ? _labels.Process(official, outcome.Width, outcome.Height)
            : [.. official.Where(i => i.Score >= thresholds.ScoreThreshold)];
        return new ImageResult(image.Id, image.Name, etag, outcome.Width, outcome.Height, [.. written.Select(ToInstance)])
        {
            Evaluation = keepEvaluation ? [.. official.Select(ToInstance)] : null,
        };
    }

    private LabeledInstance ToInstance(InstancePrediction i) => new(
        model.Classes[i.ClassIndex].Id,
        Array(i.Box),
        i.Mask.Area,
        i.Score,
        new RleCounts([i.Mask.Height, i.Mask.Width], Rle.ToCompressedString(i.Mask)))
    {
        ModelBbox = i.ModelBox is { } box ? Array(box) : null,
        BoxMaskIou = i.BoxMaskIou,
        ClassMargin = i.RunnerUp is { } runnerUp ? new ClassMargin(i.ClassScore, model.Classes[runnerUp.ClassIndex].Id, runnerUp.ClassScore) : null,
    };

    private static double[] Array(BoundingBox box) => [box.X, box.Y, box.Width, box.Height];
}
