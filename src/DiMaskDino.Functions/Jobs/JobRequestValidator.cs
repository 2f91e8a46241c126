using DiMaskDino.Pipeline.Checkpoints;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Storage;

namespace DiMaskDino.Functions.Jobs;

/// <summary>A submission that passed validation: a label job's request, or the model of an evaluation job.</summary>
public sealed record ValidatedSubmission(JobKind Kind, JobRequest? Label, string? EvaluationModel);

/// <summary>
/// Checks a <see cref="SubmitJobBody"/> against the rules of the pipeline and against storage (the model and ground
/// truth exist, the model's metadata describes a DiMaskDino model, the images prefix holds blobs) and turns it into what the pipeline takes. Every problem is reported
/// under the name of its field, so a 400 answer says exactly what to fix.
/// </summary>
public sealed class JobRequestValidator(JobStore store, EvaluationOptions evaluation)
{
    /// <returns>the submission, or null with <paramref name="errors"/> filled</returns>
    public async Task<ValidatedSubmission?> ValidateAsync(SubmitJobBody body, Dictionary<string, string[]> errors, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(errors);
        var model = await ModelAsync(body.Model, errors, cancellationToken);
        if (body.Kind == JobKind.Evaluation)
        {
            await CheckEvaluationAsync(body, errors, cancellationToken);
            return errors.Count == 0 ? new ValidatedSubmission(JobKind.Evaluation, null, body.Model) : null;
        }

        var dataset = Check(errors, "dataset", body.Dataset, required: true, JobPaths.CheckDataset);
        var prefix = body.ImagesPrefix ?? (dataset is null ? null : $"{dataset}/");
        if (prefix is not null)
        {
            await CheckImagesAsync(prefix, errors, cancellationToken);
        }

        var groundTruth = await GroundTruthAsync(body.GroundTruth, errors, cancellationToken);
        var defaults = new LabelingThresholds();
        var thresholds = new LabelingThresholds
        {
            ScoreThreshold = body.Thresholds?.ScoreThreshold ?? defaults.ScoreThreshold,
            DetectionsPerImage = body.Thresholds?.DetectionsPerImage ?? defaults.DetectionsPerImage,
            MaskLogitThreshold = body.Thresholds?.MaskLogitThreshold ?? defaults.MaskLogitThreshold,
            PostProcess = body.Thresholds?.PostProcess ?? defaults.PostProcess,
            DuplicateMaskIou = body.Thresholds?.DuplicateMaskIou ?? defaults.DuplicateMaskIou,
            MinSpeckArea = body.Thresholds?.MinSpeckArea ?? defaults.MinSpeckArea,
            Box = body.Thresholds?.Box ?? defaults.Box,
        };
        CheckThresholds(thresholds, errors);
        var shardSize = body.ShardSize ?? 256;
        if (shardSize is < 1 or > 100_000)
        {
            Add(errors, "shard_size", $"must be 1-100000, got {shardSize}");
        }

        var jobId = CheckJobId(body.JobId, errors);
        if (errors.Count > 0)
        {
            return null;
        }

        return new ValidatedSubmission(JobKind.Label, new JobRequest
        {
            Dataset = dataset!,
            ImagesPrefix = prefix!,
            Model = model!,
            ShardSize = shardSize,
            Thresholds = thresholds,
            GroundTruth = groundTruth,
            JobId = jobId,
            Incremental = body.Incremental ?? true,
            Formats = body.Formats is { Count: > 0 } formats ? formats : null,
        }, null);
    }

    private async Task CheckEvaluationAsync(SubmitJobBody body, Dictionary<string, string[]> errors, CancellationToken cancellationToken)
    {
        if (evaluation.Dataset is not { } dataset)
        {
            Add(errors, "kind", "evaluation jobs need Evaluation:Dataset configured on the server");
            return;
        }

        if (body.Dataset is not null && body.Dataset != dataset)
        {
            Add(errors, "dataset", $"evaluation jobs run on the configured evaluation dataset \"{dataset}\"; leave it out or set it to that");
        }

        foreach (var (field, given) in new[] { ("images_prefix", body.ImagesPrefix), ("ground_truth", body.GroundTruth), ("job_id", body.JobId) })
        {
            if (given is not null)
            {
                Add(errors, field, "not used by evaluation jobs (they read images/{dataset}/ and datasets/{dataset}/annotations.json of the evaluation dataset)");
            }
        }

        if (body.ShardSize is not null || body.Thresholds is not null || body.Incremental is not null)
        {
            Add(errors, body.ShardSize is not null ? "shard_size" : body.Thresholds is not null ? "thresholds" : "incremental",
                "evaluation jobs use the server's Evaluation settings");
        }

        var groundTruth = JobPaths.GroundTruth($"{dataset}/annotations.json");
        if (await store.Blobs.GetPropertiesAsync(groundTruth, cancellationToken) is null)
        {
            Add(errors, "kind", $"the evaluation dataset's ground truth {groundTruth} does not exist");
        }
    }

    private async Task<ModelReference?> ModelAsync(string? name, Dictionary<string, string[]> errors, CancellationToken cancellationToken)
    {
        if (Check(errors, "model", name, required: true, n => JobPaths.Model(n).Name) is not { } valid)
        {
            return null;
        }

        var properties = await store.Blobs.GetPropertiesAsync(JobPaths.Model(valid), cancellationToken);
        if (properties is null)
        {
            Add(errors, "model", $"{JobPaths.Model(valid)} does not exist");
            return null;
        }

        try
        {
            await ModelBlobs.DescribeAsync(store.Blobs, JobPaths.Model(valid), cancellationToken);
        }
        catch (InvalidDataException e)
        {
            Add(errors, "model", e.Message);
            return null;
        }

        return new ModelReference(ModelLocation.Blob, valid, properties.ETag);
    }

    private async Task CheckImagesAsync(string prefix, Dictionary<string, string[]> errors, CancellationToken cancellationToken)
    {
        if (prefix.Length > 0 && !prefix.EndsWith('/'))
        {
            Add(errors, "images_prefix", $"\"{prefix}\" must be empty or end with '/'");
            return;
        }

        if (Check(errors, "images_prefix", prefix, required: false, p => JobPaths.ImagesPrefix(p).Name) is null && prefix.Length > 0)
        {
            return;
        }

        await foreach (var _ in store.Blobs.ListAsync(JobPaths.ImagesPrefix(prefix), cancellationToken))
        {
            return;
        }

        Add(errors, "images_prefix", $"no blobs under {JobPaths.ImagesPrefix(prefix)}: nothing to label");
    }

    private async Task<string?> GroundTruthAsync(string? name, Dictionary<string, string[]> errors, CancellationToken cancellationToken)
    {
        if (Check(errors, "ground_truth", name, required: false, n => JobPaths.GroundTruth(n).Name) is not { } valid)
        {
            return null;
        }

        if (await store.Blobs.GetPropertiesAsync(JobPaths.GroundTruth(valid), cancellationToken) is null)
        {
            Add(errors, "ground_truth", $"{JobPaths.GroundTruth(valid)} does not exist");
            return null;
        }

        return valid;
    }

    private static void CheckThresholds(LabelingThresholds thresholds, Dictionary<string, string[]> errors)
    {
        if (thresholds.ScoreThreshold is < 0 or > 1 || double.IsNaN(thresholds.ScoreThreshold))
        {
            Add(errors, "thresholds.score_threshold", $"must be within 0..1, got {thresholds.ScoreThreshold}");
        }

        if (thresholds.DetectionsPerImage is < 1 or > 10_000)
        {
            Add(errors, "thresholds.detections_per_image", $"must be 1-10000, got {thresholds.DetectionsPerImage}");
        }

        if (!float.IsFinite(thresholds.MaskLogitThreshold))
        {
            Add(errors, "thresholds.mask_logit_threshold", "must be a finite number");
        }

        if (thresholds.DuplicateMaskIou is <= 0 or > 1 || double.IsNaN(thresholds.DuplicateMaskIou))
        {
            Add(errors, "thresholds.duplicate_mask_iou", $"must be above 0 and at most 1, got {thresholds.DuplicateMaskIou}");
        }

        if (thresholds.MinSpeckArea < 0)
        {
            Add(errors, "thresholds.min_speck_area", $"must be 0 or more pixels, got {thresholds.MinSpeckArea}");
        }
    }

    private static string? CheckJobId(string? jobId, Dictionary<string, string[]> errors)
    {
        if (Check(errors, "job_id", jobId, required: false, JobPaths.CheckId) is not { } valid)
        {
            return null;
        }

        if (valid == CheckpointPaths.ReservedJobId)
        {
            Add(errors, "job_id", $"\"{valid}\" is reserved (reports/{valid}/ holds the checkpoint evaluations)");
            return null;
        }

        return valid;
    }

    /// <summary>Runs a pipeline name check and turns its <see cref="ArgumentException"/> into an error of <paramref name="field"/>.</summary>
    private static string? Check(Dictionary<string, string[]> errors, string field, string? value, bool required, Func<string, string> check)
    {
        if (string.IsNullOrEmpty(value))
        {
            if (required)
            {
                Add(errors, field, "is required");
            }

            return null;
        }

        try
        {
            check(value);
            return value;
        }
        catch (ArgumentException e)
        {
            Add(errors, field, e.Message.Split(" (Parameter", 2)[0]);
            return null;
        }
    }

    private static void Add(Dictionary<string, string[]> errors, string field, string message) =>
        errors[field] = errors.TryGetValue(field, out var existing) ? [.. existing, message] : [message];
}
