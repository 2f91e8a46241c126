namespace DiMaskDino.Inference.PostProcessing;

/// <summary>Settings of <see cref="InstancePostProcessor"/>; the defaults are model.md §10's exact procedure.</summary>
public sealed record InstancePostProcessorOptions
{
    /// <summary>k of the top-k over queries × classes (DETECTIONS_PER_IMAGE); k = min(this, Q·C).</summary>
    public int DetectionsPerImage { get; init; } = 100;

    /// <summary>
    /// Instances whose final score (class × mask score) is below this are dropped; 0 keeps all k (the evaluation
    /// setting). Because the mask score is below 1, a candidate whose class score is already below the threshold is
    /// dropped before its mask is computed.
    /// </summary>
    public double ScoreThreshold { get; init; }

    /// <summary>A mask pixel is foreground when its upsampled logit is strictly greater than this (0 ⇔ probability 0.5).</summary>
    public float MaskLogitThreshold { get; init; }
}
