using System.Text.Json.Serialization;
using DiMaskDino.Contracts.Labels;

namespace DiMaskDino.Pipeline.Jobs;

/// <summary>
/// The <c>evaluation</c> of summary.json: which detections were evaluated (always the official, evaluation-mode ones)
/// and how the labeled images matched the ground truth's by file name. Ground-truth images without a labeled match count
/// as images with no detections; labeled images the ground truth does not list are left out of the evaluation.
/// </summary>
public sealed record EvaluationMatch(int GroundTruthImages, int GroundTruthImagesLabeled, int LabeledImagesNotInGroundTruth)
{
    [JsonPropertyName("postprocess")]
    public PostProcessMode PostProcess { get; init; } = PostProcessMode.Official;

    /// <summary>True when some ground-truth images were not labeled or some labeled images are not in the ground truth.</summary>
    [JsonIgnore]
    public bool Partial => GroundTruthImagesLabeled < GroundTruthImages || LabeledImagesNotInGroundTruth > 0;
}
