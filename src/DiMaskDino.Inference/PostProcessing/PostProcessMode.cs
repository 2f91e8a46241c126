namespace DiMaskDino.Inference.PostProcessing;

/// <summary>Which post-processing procedure turns the model's outputs into instances (<c>predict --postprocess</c>).</summary>
public enum PostProcessMode
{
    /// <summary>
    /// The official instance inference (model.md §10, MaskDINO <c>instance_inference</c> after
    /// <c>sem_seg_postprocess</c>): top 100 over queries × classes, mask-score weighting, masks resized to the padded
    /// input, cropped and resized to the original size, threshold 0; no score threshold, no cleaning. This reproduces
    /// the official numbers and is the setting every AP is computed with.
    /// </summary>
    Official,
}
