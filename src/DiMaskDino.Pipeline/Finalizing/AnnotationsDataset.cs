using DiMaskDino.Coco;
using DiMaskDino.Contracts.Labels;

namespace DiMaskDino.Pipeline.Finalizing;

/// <summary>
/// Our annotations.json, written by <c>label</c> (through <see cref="JobFinalizer"/>) and <c>predict</c>: a COCO
/// dataset whose <c>info.postprocess</c> names the post-processing mode and whose annotations carry scores (and, in the
/// labels mode, <c>model_bbox</c> and <c>box_mask_iou</c>).
/// </summary>
public static class AnnotationsDataset
{
    /// <summary>A <see cref="CocoDatasetWriter"/> of annotations.json for instances that went through <paramref name="mode"/>.</summary>
    public static CocoDatasetWriter CreateWriter(Stream output, Stream annotationsBuffer, PostProcessMode mode) =>
        new(output, annotationsBuffer, [new("postprocess", mode == PostProcessMode.Labels ? "labels" : "official")]);
}
