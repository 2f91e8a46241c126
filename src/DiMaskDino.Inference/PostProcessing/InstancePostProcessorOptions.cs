using DiMaskDino.Contracts.Labels;

namespace DiMaskDino.Inference.PostProcessing;

/// <summary>Settings of <see cref="InstancePostProcessor"/>; the defaults are model.md §10's exact procedure.</summary>
public sealed record InstancePostProcessorOptions
{
    /// <summary>
    /// <see cref="PostProcessMode.Official"/> exactly: top 100, no score threshold, mask logit threshold 0 (the official
    /// instances, e.g. for COCO AP).
    /// </summary>
    public static InstancePostProcessorOptions Official { get; } = new() { Mode = PostProcessMode.Official };

    /// <summary>The procedure; the other settings tune it.</summary>
    public PostProcessMode Mode { get; init; } = PostProcessMode.Official;

    /// <summary>k of the top-k over queries × classes (DETECTIONS_PER_IMAGE); k = min(this, Q·C).</summary>
    public int DetectionsPerImage { get; init; } = LabelingDefaults.DetectionsPerImage;

    /// <summary>
    /// Instances whose final score (class × mask score) is below this are dropped; 0 keeps all k (the evaluation
    /// setting, and the official procedure). Because the mask score is below 1, a candidate whose class score is
    /// already below the threshold is dropped before its mask is computed.
    /// </summary>
    public double ScoreThreshold { get; init; }

    /// <summary>A mask pixel is foreground when its upsampled logit is strictly greater than this (0 ⇔ probability 0.5).</summary>
    public float MaskLogitThreshold { get; init; }
}
