using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Planning;
using DiMaskDino.Pipeline.Processing;
using DiMaskDino.Pipeline.Storage;
using Microsoft.Extensions.Logging;

namespace DiMaskDino.Pipeline.Checkpoints;

/// <summary>
/// Evaluation of new checkpoints: <see cref="SubmitAsync"/> turns <c>models/{name}.onnx</c> into an evaluation job on
/// <see cref="EvaluationOptions.Dataset"/> (job id derived from dataset, model name and ETag, so the same model
/// evaluated twice is the same job), and <see cref="CompareAsync"/> — after the job completed — compares its report
/// with the best model's, writes <c>reports/{jobId}/comparison.json</c> and <c>.md</c> and moves the best pointer on
/// "better". Both are idempotent: the comparison is written first-writer-wins and read back when it exists.
/// </summary>
public sealed partial class CheckpointEvaluator(
    JobStore store, JobSubmitter submitter, FinalizeTrigger trigger, EvaluationOptions options, ILogger<CheckpointEvaluator> logger)
{
    /// <summary>The evaluation job id of <paramref name="model"/> on <paramref name="dataset"/>.</summary>
    public static string JobIdFor(string dataset, ModelReference model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{dataset}\n{model.Name}\n{model.Version}")))[..16];
        var prefix = new string([.. dataset.ToLowerInvariant().Where(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-').Take(24)]);
        return prefix.Length == 0 ? $"eval-{hash}" : $"eval-{prefix}-{hash}";
    }

    /// <summary>
    /// Submits (or finds) the evaluation job of <c>models/{modelName}</c> at its current ETag. A job already running is
    /// returned as it is (outcome <see cref="SubmissionOutcome.Resumed"/> with no message sent); a finished one gets its
    /// comparison made if it has none yet.
    /// </summary>
    /// <exception cref="InvalidOperationException">Evaluation:Dataset is not configured</exception>
    /// <exception cref="InvalidDataException">the model does not exist or is not an exported DiMaskDino model (its metadata says
    /// why), or the dataset's ground truth does not exist</exception>
    public async Task<Submission> SubmitAsync(string modelName, CancellationToken cancellationToken = default)
    {
        var dataset = options.Dataset ?? throw new InvalidOperationException("Evaluation:Dataset is not configured: no dataset to evaluate checkpoints on");
        var modelPath = JobPaths.Model(modelName);
        var properties = await store.Blobs.GetPropertiesAsync(modelPath, cancellationToken)
            ?? throw new InvalidDataException($"model {modelPath} does not exist");
        await ModelBlobs.DescribeAsync(store.Blobs, modelPath, cancellationToken); // not a DiMaskDino model: refused before any GPU time
        var groundTruth = $"{dataset}/annotations.json";
        if (await store.Blobs.GetPropertiesAsync(JobPaths.GroundTruth(groundTruth), cancellationToken) is null)
        {
            throw new InvalidDataException($"evaluation dataset \"{dataset}\": ground truth {JobPaths.GroundTruth(groundTruth)} does not exist");
        }

        var model = new ModelReference(ModelLocation.Blob, modelName, properties.ETag);
        var request = new JobRequest
        {
            Dataset = dataset,
            ImagesPrefix = $"{dataset}/",
            Model = model,
            ShardSize = options.ShardSize,
            Thresholds = new LabelingThresholds { ScoreThreshold = options.ScoreThreshold, DetectionsPerImage = options.DetectionsPerImage },
            GroundTruth = groundTruth,
            JobId = JobIdFor(dataset, model),
            Incremental = false,
        };

        // The marker goes first: whoever finalizes the job must find it.
        var evaluation = new CheckpointEvaluation(request.JobId, model, dataset, options.ToleranceAp);
        await WriteAsync(CheckpointPaths.Evaluation(request.JobId), evaluation, CheckpointJson.Default.CheckpointEvaluation, WriteMode.CreateNew, cancellationToken);

        // A repeated notification of the same model (Event Grid delivers at least once) must not send its shards again;
        // a running job's lost shards are the janitor's business.
        var submission = await store.ReadJobAsync(request.JobId, cancellationToken) is { State: JobState.Running } running
            ? new Submission(running, SubmissionOutcome.Resumed, 0)
            : await submitter.SubmitAsync(request, cancellationToken);
        if (submission.Outcome == SubmissionOutcome.Planned && submission.Job.ShardCount == 0)
        {
            await trigger.CheckAsync(submission.Job, cancellationToken); // no shard will ever ask for finalizing
        }

        LogSubmitted(logger, modelPath.ToString(), properties.ETag, request.JobId, submission.Outcome);
        if (submission.Outcome == SubmissionOutcome.AlreadyFinished)
        {
            await CompareAsync(request.JobId, cancellationToken);
        }

        return submission;
    }

    /// <summary>
    /// The comparison of checkpoint evaluation job <paramref name="jobId"/> with the best model: read when it exists,
    /// written when the job is completed; null when the job is not a checkpoint evaluation or not completed yet.
    /// </summary>
    public async Task<CheckpointComparison?> CompareAsync(string jobId, CancellationToken cancellationToken = default)
    {
        var evaluation = await ReadAsync(CheckpointPaths.Evaluation(jobId), CheckpointJson.Default.CheckpointEvaluation, cancellationToken);
        if (evaluation is null)
        {
            return null;
        }

        var comparison = await ReadAsync(CheckpointPaths.Comparison(jobId), CheckpointJson.Default.CheckpointComparison, cancellationToken);
        if (comparison is null)
        {
            if (await store.ReadJobAsync(jobId, cancellationToken) is not { State: JobState.Completed })
            {
                return null;
            }

            var report = await ReadAsync(CheckpointPaths.Report(jobId), CheckpointJson.Default.ReportNumbers, cancellationToken)
                ?? throw new InvalidDataException($"checkpoint evaluation {jobId} is completed but {CheckpointPaths.Report(jobId)} does not exist");
            var best = await ReadAsync(CheckpointPaths.Best(evaluation.Dataset), CheckpointJson.Default.BestModelPointer, cancellationToken);
            var bestReport = best is null ? null : await ReadAsync(CheckpointPaths.Report(best.JobId), CheckpointJson.Default.ReportNumbers, cancellationToken);
            comparison = CheckpointComparer.Compare(evaluation, report, best, bestReport);
            await store.Blobs.WriteAsync(
                CheckpointPaths.ComparisonReport(jobId), BinaryData.FromString(ComparisonMarkdown.Write(comparison)), WriteMode.Overwrite, cancellationToken);
            if (!await WriteAsync(CheckpointPaths.Comparison(jobId), comparison, CheckpointJson.Default.CheckpointComparison, WriteMode.CreateNew, cancellationToken))
            {
                comparison = await ReadAsync(CheckpointPaths.Comparison(jobId), CheckpointJson.Default.CheckpointComparison, cancellationToken) ?? comparison;
            }

            LogCompared(logger, jobId, evaluation.Model.Name, comparison.Verdict, comparison.Reason);
        }

        await PromoteAsync(comparison, cancellationToken);
        return comparison;
    }

    /// <summary>The comparison of job <paramref name="jobId"/>, or null when it has none (yet).</summary>
    public Task<CheckpointComparison?> ReadComparisonAsync(string jobId, CancellationToken cancellationToken = default) =>
        ReadAsync(CheckpointPaths.Comparison(jobId), CheckpointJson.Default.CheckpointComparison, cancellationToken);

    /// <summary>The best model on <paramref name="dataset"/>, or null before the first evaluation there.</summary>
    public Task<BestModelPointer?> ReadBestAsync(string dataset, CancellationToken cancellationToken = default) =>
        ReadAsync(CheckpointPaths.Best(dataset), CheckpointJson.Default.BestModelPointer, cancellationToken);

    /// <summary>Compares every completed checkpoint evaluation that has no comparison yet (the janitor's catch-up).</summary>
    /// <returns>the comparisons written</returns>
    public async Task<int> ComparePendingAsync(CancellationToken cancellationToken = default)
    {
        var pending = new List<string>();
        await foreach (var blob in store.Blobs.ListAsync(CheckpointPaths.EvaluationsFolder, cancellationToken))
        {
            if (CheckpointPaths.JobOfEvaluation(blob.Path) is { } jobId && await store.Blobs.GetPropertiesAsync(CheckpointPaths.Comparison(jobId), cancellationToken) is null)
            {
                pending.Add(jobId);
            }
        }

        var written = 0;
        foreach (var jobId in pending)
        {
            written += await CompareAsync(jobId, cancellationToken) is null ? 0 : 1;
        }

        return written;
    }

    /// <summary>Moves the dataset's best pointer to a "better" checkpoint, unless another model became best since the comparison.</summary>
    private async Task PromoteAsync(CheckpointComparison comparison, CancellationToken cancellationToken)
    {
        if (comparison.Verdict != CheckpointVerdict.Better)
        {
            return;
        }

        var path = CheckpointPaths.Best(comparison.Dataset);
        var current = await ReadAsync(path, CheckpointJson.Default.BestModelPointer, cancellationToken);
        if (current?.JobId == comparison.JobId)
        {
            return;
        }

        if (current is not null && current.JobId != comparison.Best?.JobId)
        {
            LogNotPromoted(logger, comparison.JobId, current.JobId);
            return;
        }

        var pointer = new BestModelPointer(comparison.JobId, comparison.Model, comparison.Bbox.FirstOrDefault()?.Candidate, comparison.Segm.FirstOrDefault()?.Candidate);
        await WriteAsync(path, pointer, CheckpointJson.Default.BestModelPointer, WriteMode.Overwrite, cancellationToken);
        LogPromoted(logger, comparison.Model.Name, comparison.Dataset, comparison.JobId);
    }

    private async Task<T?> ReadAsync<T>(BlobPath path, JsonTypeInfo<T> type, CancellationToken cancellationToken)
        where T : class
    {
        var content = await store.Blobs.ReadAsync(path, cancellationToken);
        return content is null ? null : JobStore.Deserialize(content.Data, type, path.ToString());
    }

    private Task<bool> WriteAsync<T>(BlobPath path, T value, JsonTypeInfo<T> type, WriteMode mode, CancellationToken cancellationToken) =>
        store.Blobs.WriteAsync(path, BinaryData.FromBytes([.. JsonSerializer.SerializeToUtf8Bytes(value, type), (byte)'\n']), mode, cancellationToken);

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Checkpoint {Model} (ETag {ETag}): evaluation job {JobId} {Outcome}")]
    private static partial void LogSubmitted(ILogger logger, string model, string eTag, string jobId, SubmissionOutcome outcome);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Checkpoint evaluation {JobId} of {Model}: {Verdict} ({Reason})")]
    private static partial void LogCompared(ILogger logger, string jobId, string model, CheckpointVerdict verdict, string reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Model {Model} is now the best on {Dataset} (job {JobId})")]
    private static partial void LogPromoted(ILogger logger, string model, string dataset, string jobId);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Checkpoint evaluation {JobId} was better than the model it was compared with, but {CurrentJobId} became the best meanwhile; pointer left alone")]
    private static partial void LogNotPromoted(ILogger logger, string jobId, string currentJobId);
}
