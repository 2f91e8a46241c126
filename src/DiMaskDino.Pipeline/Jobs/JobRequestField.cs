namespace DiMaskDino.Pipeline.Jobs;

/// <summary>The fields of a <see cref="JobRequest"/> that <see cref="JobRequest.Validate"/> names in its errors.</summary>
public enum JobRequestField
{
    Dataset,
    ImagesPrefix,
    Model,
    GroundTruth,
    ShardSize,
    ScoreThreshold,
    DetectionsPerImage,
    MaskLogitThreshold,
    DuplicateMaskIou,
    MinSpeckArea,
    JobId,
}

/// <summary>Names of <see cref="JobRequestField"/>s.</summary>
public static class JobRequestFields
{
    /// <summary>
    /// The field's name in job.json's <c>request</c> (snake_case, dotted below <c>thresholds</c>): also its name in the
    /// HTTP API's body, which has the same shape.
    /// </summary>
    public static string JsonName(this JobRequestField field) => field switch
    {
        JobRequestField.Dataset => "dataset",
        JobRequestField.ImagesPrefix => "images_prefix",
        JobRequestField.Model => "model",
        JobRequestField.GroundTruth => "ground_truth",
        JobRequestField.ShardSize => "shard_size",
        JobRequestField.ScoreThreshold => "thresholds.score_threshold",
        JobRequestField.DetectionsPerImage => "thresholds.detections_per_image",
        JobRequestField.MaskLogitThreshold => "thresholds.mask_logit_threshold",
        JobRequestField.DuplicateMaskIou => "thresholds.duplicate_mask_iou",
        JobRequestField.MinSpeckArea => "thresholds.min_speck_area",
        JobRequestField.JobId => "job_id",
        _ => throw new ArgumentOutOfRangeException(nameof(field), field, null),
    };
}
