using System.ComponentModel.DataAnnotations;
using DiMaskDino.Contracts.Labels;

namespace DiMaskDino.Pipeline.Checkpoints;

/// <summary>
/// Evaluation of new checkpoints (configuration section <see cref="SectionName"/>): which dataset a new
/// <c>models/{name}.onnx</c> is evaluated on, with which post-processing, and the tolerance of the verdict.
/// </summary>
public sealed class EvaluationOptions
{
    public const string SectionName = "Evaluation";

    /// <summary>
    /// Name of the evaluation dataset: its ground truth is <c>datasets/{Dataset}/annotations.json</c>, its images are
    /// under <c>images/{Dataset}/</c> (COCO <c>file_name</c>s relative to that prefix). Required to evaluate checkpoints.
    /// </summary>
    [RegularExpression("^[A-Za-z0-9._-]{1,128}$")]
    public string? Dataset { get; set; }

    /// <summary>AP points (0-100 scale) within which a change of APbox or APmask counts as "same".</summary>
    [Range(0.0, 100.0)]
    public double ToleranceAp { get; set; } = 0.5;

    /// <summary>Instances scoring below this are not kept (COCO evaluation wants low-scoring detections too).</summary>
    [Range(0.0, 1.0)]
    public double ScoreThreshold { get; set; } = 0.05;

    [Range(1, 1000)]
    public int DetectionsPerImage { get; set; } = LabelingDefaults.DetectionsPerImage;

    /// <summary>Images per shard of an evaluation job.</summary>
    [Range(1, Jobs.JobRequestRules.MaxShardSize)]
    public int ShardSize { get; set; } = PipelineOptions.DefaultShardSize;
}
