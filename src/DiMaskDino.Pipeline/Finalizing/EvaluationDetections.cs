using DiMaskDino.Coco;

namespace DiMaskDino.Pipeline.Finalizing;

/// <summary>What a job's evaluation needs from its results: the labeled images (ids, file names) and their evaluation-mode detections.</summary>
public sealed record EvaluationDetections(IReadOnlyList<CocoImage> Images, IReadOnlyList<CocoDetection> Detections);
