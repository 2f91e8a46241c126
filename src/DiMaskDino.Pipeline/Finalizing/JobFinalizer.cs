using System.Text.Json;
using DiMaskDino.Pipeline.Exports;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Review;
using DiMaskDino.Pipeline.Storage;
using Microsoft.Extensions.Logging;

namespace DiMaskDino.Pipeline.Finalizing;

/// <summary>
/// Merges a job's shard results into <c>labels/{dataset}/{jobId}/annotations.json</c>, <c>failures.json</c>, the
/// review queue (<c>review.json</c>, <c>review.csv</c>; see <see cref="ReviewQueue"/>) and <c>summary.json</c> (and,
/// with ground truth, the report), then marks the job completed and makes it the dataset's base for incremental
/// re-labeling. Idempotent: the outputs are written first-writer-wins and are the same bytes on every run; a
/// completed job is returned as it is.
/// </summary>
/// <remarks>
/// Before writing anything it checks that every shard has a result and that each result lists exactly its manifest's
/// images in order, so every planned image ends up once, labeled or in failures.json; otherwise it refuses with a
/// <see cref="JobIncompleteException"/> naming the shards. Memory holds one shard at a time (see
/// <see cref="LabelOutputWriter"/>) plus one small review entry per image.
/// </remarks>
public sealed partial class JobFinalizer(JobStore store, EvaluationRunner evaluator, ILogger<JobFinalizer> logger)
{
    public async Task<JobSummary> FinalizeAsync(string jobId, CancellationToken cancellationToken = default)
    {
        var job = await store.RequireJobAsync(jobId, cancellationToken);
        if (job.State == JobState.Completed && await ReadSummaryAsync(job, cancellationToken) is { } done)
        {
            return done;
        }

        EnsureFinalizable(job);
        await CheckCompleteAsync(job, cancellationToken);

        using var output = new LabelOutputWriter(job.Request.ImagesPrefix, job.Request.Thresholds.PostProcess, evaluation: job.Request.GroundTruth is not null);
        var review = new ReviewQueue(job);
        var merged = await MergeResultsAsync(job, output, review, cancellationToken);
        output.Complete();
        var evaluation = job.Request.GroundTruth is { } groundTruth
            ? await evaluator.EvaluateAsync(job, groundTruth, output.Evaluation!, cancellationToken)
            : null;
        var summary = Summarize(job, output, merged, evaluation);
        await UploadOutputsAsync(job, output, review, summary, cancellationToken);
        await MarkCompletedAsync(job, cancellationToken);
        LogFinalized(logger, jobId, summary.ImagesLabeled, summary.ImagesFailed, summary.Annotations);
        return summary;
    }

    /// <summary>
    /// Records shard <paramref name="shard"/> as failed: a result listing every image of its manifest as failed with
    /// <paramref name="reason"/> (for a dead-lettered shard; called by the janitor or the embedded runner). No-op when the
    /// shard already has a result. Returns whether this call wrote it.
    /// </summary>
    public async Task<bool> FailShardAsync(string jobId, int shard, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        var manifest = await store.RequireManifestAsync(jobId, shard, cancellationToken);
        var failure = new ImageFailure(FailureKind.Shard, reason);
        var result = new ShardResult(jobId, shard, [.. manifest.Images.Select(i => new ImageResult(i.Id, i.Name, i.ETag, 0, 0, []) { Failure = failure })]);
        var written = await store.WriteResultAsync(result, cancellationToken);
        if (written)
        {
            LogShardFailed(logger, jobId, shard, manifest.Images.Count, reason);
        }

        return written;
    }

    /// <summary>Shards of <paramref name="job"/> without a result, in order.</summary>
    public async Task<IReadOnlyList<int>> MissingShardsAsync(JobRecord job, CancellationToken cancellationToken = default)
    {
        var finished = new HashSet<int>();
        await foreach (var shard in store.ListFinishedShardsAsync(job.JobId, cancellationToken))
        {
            finished.Add(shard);
        }

        return [.. Enumerable.Range(0, job.ShardCount).Where(s => !finished.Contains(s))];
    }

    private static void EnsureFinalizable(JobRecord job)
    {
        if (job.State is not (JobState.Running or JobState.Completed))
        {
            throw new InvalidOperationException($"job {job.JobId} is {job.State.ToString().ToLowerInvariant()}, it cannot be finalized");
        }
    }

    /// <summary>Feeds every shard's result, in shard order, to the label files and the review queue, checking each against its manifest.</summary>
    private async Task<MergeCounts> MergeResultsAsync(JobRecord job, LabelOutputWriter output, ReviewQueue review, CancellationToken cancellationToken)
    {
        var shardsFailed = 0;
        long labeledThisJob = 0;
        for (var shard = 0; shard < job.ShardCount; shard++)
        {
            var result = await store.ReadResultAsync(job.JobId, shard, cancellationToken)
                ?? throw new JobIncompleteException(job.JobId, [shard], $"job {job.JobId}: the result of shard {shard} disappeared while finalizing");
            var manifest = await store.RequireManifestAsync(job.JobId, shard, cancellationToken);
            CheckMatches(manifest, result);
            if (result.Images.Count > 0 && result.Images.All(i => i.Failure?.Kind == FailureKind.Shard))
            {
                shardsFailed++;
            }

            // Labeled by the model in this job: neither carried from the base job nor failed.
            var carried = manifest.Images.Where(i => i.CarriedFrom is not null).Select(i => i.Id).ToHashSet();
            labeledThisJob += result.Images.Count(i => i.Failure is null && !carried.Contains(i.Id));
            output.Add(result);
            review.Add(result);
        }

        return new MergeCounts(shardsFailed, labeledThisJob);
    }

    private static JobSummary Summarize(JobRecord job, LabelOutputWriter output, MergeCounts merged, EvaluationOutcome? evaluation) => new()
    {
        JobId = job.JobId,
        Dataset = job.Request.Dataset,
        Model = job.Request.Model.Name,
        ModelVersion = job.Request.Model.Version,
        ImagesTotal = output.ImagesLabeled + output.ImagesFailed,
        ImagesLabeled = output.ImagesLabeled,
        ImagesFailed = output.ImagesFailed,
        Annotations = output.Annotations,
        PostProcess = job.Request.Thresholds.PostProcess,
        ImagesLabeledThisJob = merged.LabeledThisJob,
        ImagesCarried = job.ImagesCarried,
        ImagesRemoved = job.ImagesRemoved,
        BaseJobId = job.BaseJobId,
        Shards = job.ShardCount,
        ShardsFailed = merged.ShardsFailed,
        Categories = output.CategoryCount,
        Report = evaluation?.Report.ToString(),
        Evaluation = evaluation?.Match,
    };

    /// <summary>annotations.json, the exports, failures.json, the review files, then summary.json (all first-writer-wins).</summary>
    private async Task UploadOutputsAsync(JobRecord job, LabelOutputWriter output, ReviewQueue review, JobSummary summary, CancellationToken cancellationToken)
    {
        var labels = JobPaths.LabelsFolder(job.Request.Dataset, job.JobId);
        await UploadAsync(labels.Child(JobPaths.AnnotationsFile), output.AnnotationsPath, cancellationToken);
        await JobExports.UploadAsync(store.Blobs, job, output.AnnotationsPath, labels, cancellationToken);
        await UploadAsync(labels.Child(JobPaths.FailuresFile), output.FailuresPath, cancellationToken);
        using (var reviewFiles = await ReviewFiles.WriteAsync(review.Build(), cancellationToken))
        {
            await UploadAsync(labels.Child(ReviewJson.FileName), reviewFiles.JsonPath, cancellationToken);
            await UploadAsync(labels.Child(ReviewCsv.FileName), reviewFiles.CsvPath, cancellationToken);
        }

        await store.Blobs.WriteAsync(labels.Child(JobPaths.SummaryFile), SerializeSummary(summary), WriteMode.CreateNew, cancellationToken);
    }

    /// <summary>Marks the job completed and makes it the dataset's base for incremental re-labeling.</summary>
    private async Task MarkCompletedAsync(JobRecord job, CancellationToken cancellationToken)
    {
        await store.WriteJobAsync(job with { State = JobState.Completed }, cancellationToken);
        await store.WriteLatestAsync(
            job.Request.Dataset,
            new DatasetPointer(job.JobId, job.Request.ImagesPrefix, job.Request.Model, job.Request.Thresholds),
            cancellationToken);
    }

    private async Task CheckCompleteAsync(JobRecord job, CancellationToken cancellationToken)
    {
        var missing = await MissingShardsAsync(job, cancellationToken);
        if (missing.Count > 0)
        {
            var shown = string.Join(", ", missing.Take(20)) + (missing.Count > 20 ? $", … ({missing.Count} in all)" : "");
            throw new JobIncompleteException(job.JobId, missing, $"job {job.JobId} cannot be finalized: shards {shown} have no result yet");
        }
    }

    private static void CheckMatches(ShardManifest manifest, ShardResult result)
    {
        var same = manifest.Images.Count == result.Images.Count
            && manifest.Images.Zip(result.Images).All(p => p.First.Id == p.Second.Id && p.First.Name == p.Second.Name);
        if (!same)
        {
            throw new JobIncompleteException(
                manifest.JobId,
                [manifest.Shard],
                $"job {manifest.JobId}: the result of shard {manifest.Shard} does not list exactly the {manifest.Images.Count} images of its manifest");
        }
    }

    private async Task UploadAsync(BlobPath path, string file, CancellationToken cancellationToken)
    {
        using var data = new MappedFileData(file);
        await store.Blobs.WriteAsync(path, data.Data, WriteMode.CreateNew, cancellationToken);
    }

    private async Task<JobSummary?> ReadSummaryAsync(JobRecord job, CancellationToken cancellationToken)
    {
        var content = await store.Blobs.ReadAsync(JobPaths.Output(job.Request.Dataset, job.JobId, JobPaths.SummaryFile), cancellationToken);
        return content is null ? null : JobStore.Deserialize(content.Data, SummaryJson.Context.JobSummary, "summary.json");
    }

    private static BinaryData SerializeSummary(JobSummary summary)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(summary, SummaryJson.Context.JobSummary);
        return BinaryData.FromBytes([.. bytes, (byte)'\n']);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Job {JobId} finalized: {Labeled} images labeled, {Failed} failed, {Annotations} annotations")]
    private static partial void LogFinalized(ILogger logger, string jobId, long labeled, long failed, long annotations);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Job {JobId}: shard {Shard} recorded as failed ({Images} images): {Reason}")]
    private static partial void LogShardFailed(ILogger logger, string jobId, int shard, int images, string reason);
}

/// <summary>What merging a job's results counted beyond the label files: shards failed whole, images labeled by the model in this job.</summary>
internal readonly record struct MergeCounts(int ShardsFailed, long LabeledThisJob);
