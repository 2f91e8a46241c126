using DiMaskDino.Pipeline;
using DiMaskDino.Pipeline.Checkpoints;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Storage;

namespace DiMaskDino.Functions.Jobs;

/// <summary>A submission that passed validation: a label job's request, or the model of an evaluation job.</summary>
public sealed record ValidatedSubmission(JobKind Kind, JobRequest? Label, string? EvaluationModel);

/// <summary>
/// Turns a <see cref="SubmitJobBody"/> into what the pipeline takes, checked by the request's own rules
/// (<see cref="JobRequest.Validate"/>, fields named as in the body) and against storage: the model and ground truth
/// exist, the model's metadata describes a DiMaskDino model, the images prefix holds blobs. Every problem is reported
/// under the name of its field, so a 400 answer says exactly what to fix. A body without <c>shard_size</c> gets the
/// host's <see cref="PipelineOptions.ShardSize"/>; the other defaults are <see cref="JobRequest"/>'s.
/// </summary>
public sealed class JobRequestValidator(JobStore store, EvaluationOptions evaluation, PipelineOptions pipeline)
{
    /// <returns>the submission, or null with <paramref name="errors"/> filled</returns>
    public async Task<ValidatedSubmission?> ValidateAsync(SubmitJobBody body, Dictionary<string, string[]> errors, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(errors);
        if (body.Kind == JobKind.Evaluation)
        {
            if (JobRequestRules.ModelBlobName(body.Model) is { } modelError)
            {
                Add(errors, "model", modelError);
            }
            else
            {
                await ModelAsync(body.Model!, errors, cancellationToken);
            }

            await CheckEvaluationAsync(body, errors, cancellationToken);
            return errors.Count == 0 ? new ValidatedSubmission(JobKind.Evaluation, null, body.Model) : null;
        }

        var request = Request(body);
        var invalid = request.Validate();
        foreach (var (field, messages) in invalid)
        {
            foreach (var message in messages)
            {
                Add(errors, field.JsonName(), message);
            }
        }

        var version = invalid.Contains(JobRequestField.Model) ? null : await ModelAsync(request.Model.Name, errors, cancellationToken);
        var prefixKnown = body.ImagesPrefix is not null || !invalid.Contains(JobRequestField.Dataset);
        if (prefixKnown && !invalid.Contains(JobRequestField.ImagesPrefix))
        {
            await CheckImagesAsync(request.ImagesPrefix, errors, cancellationToken);
        }

        if (request.GroundTruth is { } groundTruth && !invalid.Contains(JobRequestField.GroundTruth)
            && await store.Blobs.GetPropertiesAsync(JobPaths.GroundTruth(groundTruth), cancellationToken) is null)
        {
            Add(errors, "ground_truth", $"{JobPaths.GroundTruth(groundTruth)} does not exist");
        }

        return errors.Count == 0 ? new ValidatedSubmission(JobKind.Label, request with { Model = version! }, null) : null;
    }

    /// <summary>The request the body asks for, before any check; an empty <c>ground_truth</c> or <c>job_id</c> means none.</summary>
    private JobRequest Request(SubmitJobBody body)
    {
        var defaults = new LabelingThresholds();
        var given = body.Thresholds ?? new ThresholdsBody();
        return new JobRequest
        {
            Dataset = body.Dataset ?? "",
            ImagesPrefix = body.ImagesPrefix ?? (JobRequestRules.Dataset(body.Dataset) is null ? $"{body.Dataset}/" : ""),
            Model = new ModelReference(ModelLocation.Blob, body.Model ?? "", Version: ""),
            ShardSize = body.ShardSize ?? pipeline.ShardSize,
            Thresholds = new LabelingThresholds
            {
                ScoreThreshold = given.ScoreThreshold ?? defaults.ScoreThreshold,
                DetectionsPerImage = given.DetectionsPerImage ?? defaults.DetectionsPerImage,
                MaskLogitThreshold = given.MaskLogitThreshold ?? defaults.MaskLogitThreshold,
                PostProcess = given.PostProcess ?? defaults.PostProcess,
                DuplicateMaskIou = given.DuplicateMaskIou ?? defaults.DuplicateMaskIou,
                MinSpeckArea = given.MinSpeckArea ?? defaults.MinSpeckArea,
                Box = given.Box ?? defaults.Box,
            },
            GroundTruth = string.IsNullOrEmpty(body.GroundTruth) ? null : body.GroundTruth,
            JobId = string.IsNullOrEmpty(body.JobId) ? null : body.JobId,
            Incremental = body.Incremental ?? true,
            Formats = body.Formats is { Count: > 0 } formats ? formats : null,
        };
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

    /// <summary>The model blob <paramref name="name"/> (a valid name) at its current version, once it exists and describes a DiMaskDino model.</summary>
    private async Task<ModelReference?> ModelAsync(string name, Dictionary<string, string[]> errors, CancellationToken cancellationToken)
    {
        var path = JobPaths.Model(name);
        var properties = await store.Blobs.GetPropertiesAsync(path, cancellationToken);
        if (properties is null)
        {
            Add(errors, "model", $"{path} does not exist");
            return null;
        }

        try
        {
            await ModelBlobs.DescribeAsync(store.Blobs, path, cancellationToken);
        }
        catch (InvalidDataException e)
        {
            Add(errors, "model", e.Message);
            return null;
        }

        return new ModelReference(ModelLocation.Blob, name, properties.ETag);
    }

    /// <summary>The images prefix (a valid one) holds at least one blob.</summary>
    private async Task CheckImagesAsync(string prefix, Dictionary<string, string[]> errors, CancellationToken cancellationToken)
    {
        await foreach (var _ in store.Blobs.ListAsync(JobPaths.ImagesPrefix(prefix), cancellationToken))
        {
            return;
        }

        Add(errors, "images_prefix", $"no blobs under {JobPaths.ImagesPrefix(prefix)}: nothing to label");
    }

    private static void Add(Dictionary<string, string[]> errors, string field, string message) =>
        errors[field] = errors.TryGetValue(field, out var existing) ? [.. existing, message] : [message];
}
