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

    public ImageResult ToResult<TTag>(ManifestImage image, string etag, ImageOutcome<TTag> outcome)
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

    private CocoInstance ToInstance(InstancePrediction i) => i.ToCoco(index => model.Classes[index].Id);
}
