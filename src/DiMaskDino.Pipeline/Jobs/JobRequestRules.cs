using DiMaskDino.Pipeline.Checkpoints;

namespace DiMaskDino.Pipeline.Jobs;

/// <summary>
/// The rule of each <see cref="JobRequest"/> field, one value at a time: null when the value is valid, else what is
/// wrong with it. <see cref="JobRequest.Validate"/> applies them all; the command line's shared options (which
/// <c>predict</c> uses too) and the HTTP API's evaluation jobs apply single ones.
/// </summary>
public static class JobRequestRules
{
    public const int MaxShardSize = 100_000;
    public const int MaxDetectionsPerImage = 10_000;

    /// <summary>Dataset names are one blob-name segment (<see cref="JobPaths.CheckDataset"/>).</summary>
    public static string? Dataset(string? dataset) => Required(dataset) ?? Name(() => JobPaths.CheckDataset(dataset!));

    /// <summary>Empty (the whole container) or a folder: a valid blob name ending in '/'.</summary>
    public static string? ImagesPrefix(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        if (prefix.Length == 0)
        {
            return null;
        }

        return prefix.EndsWith('/') ? Name(() => JobPaths.ImagesPrefix(prefix)) : $"\"{prefix}\" must be empty or end with '/'";
    }

    /// <summary>A blob model's name is a valid blob name in <c>models</c>; a local model's is a path (the embedded command line checks the file).</summary>
    public static string? Model(ModelReference model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Required(model.Name) ?? (model.Location == ModelLocation.Blob ? ModelBlobName(model.Name) : null);
    }

    public static string? ModelBlobName(string? name) => Required(name) ?? Name(() => JobPaths.Model(name!));

    /// <summary>Optional; when given, a valid blob name in <c>datasets</c>.</summary>
    public static string? GroundTruth(string? name) => name is null ? null : Required(name) ?? Name(() => JobPaths.GroundTruth(name));

    /// <summary>Optional; when given, a job id (<see cref="JobPaths.CheckId"/>) other than the one the checkpoint evaluations keep their reports under.</summary>
    public static string? JobId(string? jobId) =>
        jobId is null ? null
        : Required(jobId) ?? Name(() => JobPaths.CheckId(jobId))
            ?? (jobId == CheckpointPaths.ReservedJobId ? $"\"{jobId}\" is reserved (reports/{jobId}/ holds the checkpoint evaluations)" : null);

    public static string? ShardSize(int size) => size is < 1 or > MaxShardSize ? $"must be 1-{MaxShardSize}, got {size}" : null;

    public static string? ScoreThreshold(double threshold) =>
        threshold is < 0 or > 1 || double.IsNaN(threshold) ? $"must be within 0..1, got {threshold}" : null;

    public static string? DetectionsPerImage(int count) =>
        count is < 1 or > MaxDetectionsPerImage ? $"must be 1-{MaxDetectionsPerImage}, got {count}" : null;

    public static string? MaskLogitThreshold(float threshold) => float.IsFinite(threshold) ? null : "must be a finite number";

    public static string? DuplicateMaskIou(double iou) =>
        iou is <= 0 or > 1 || double.IsNaN(iou) ? $"must be above 0 and at most 1, got {iou}" : null;

    public static string? MinSpeckArea(int pixels) => pixels < 0 ? $"must be 0 or more pixels, got {pixels}" : null;

    private static string? Required(string? value) => string.IsNullOrEmpty(value) ? "is required" : null;

    /// <summary>Runs a <see cref="JobPaths"/> check; its <see cref="ArgumentException"/> becomes the message, without the parameter name.</summary>
    private static string? Name(Action check)
    {
        try
        {
            check();
            return null;
        }
        catch (ArgumentException e)
        {
            return e.Message.Split(" (Parameter", 2)[0];
        }
    }
}
