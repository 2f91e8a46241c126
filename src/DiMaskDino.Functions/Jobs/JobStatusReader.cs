using DiMaskDino.Pipeline.Checkpoints;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Storage;
using DiMaskDino.Reports;

namespace DiMaskDino.Functions.Jobs;

/// <summary>Builds a <see cref="JobStatus"/> from job.json, the results listing and (when completed) summary.json and the comparison.</summary>
public sealed class JobStatusReader(JobStore store, CheckpointEvaluator checkpoints)
{
    public async Task<JobStatus> ReadAsync(JobRecord job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        var finished = 0;
        await foreach (var _ in store.ListFinishedShardsAsync(job.JobId, cancellationToken))
        {
            finished++;
        }

        var summaryPath = JobPaths.Output(job.Request.Dataset, job.JobId, JobPaths.SummaryFile);
        JobSummary? summary = null;
        if (job.State == JobState.Completed && await store.Blobs.ReadAsync(summaryPath, cancellationToken) is { } content)
        {
            summary = JobStore.Deserialize(content.Data, PipelineJsonContext.Default.JobSummary, summaryPath.ToString());
        }

        var comparison = await checkpoints.ReadComparisonAsync(job.JobId, cancellationToken);

        return new JobStatus
        {
            JobId = job.JobId,
            State = job.State,
            Dataset = job.Request.Dataset,
            Model = job.Request.Model,
            CreatedAt = job.CreatedAt,
            Error = job.Error,
            Verdict = comparison?.Verdict,
            Counts = new JobCounts
            {
                Shards = job.ShardCount,
                ShardsFinished = finished,
                ImagesTotal = job.ImagesTotal,
                ImagesToLabel = job.ImagesToLabel,
                ImagesCarried = job.ImagesCarried,
                ImagesRemoved = job.ImagesRemoved,
                ImagesLabeled = summary?.ImagesLabeled,
                ImagesFailed = summary?.ImagesFailed,
                Annotations = summary?.Annotations,
            },
            Links = new JobLinks
            {
                Self = $"/api/jobs/{job.JobId}",
                Job = JobPaths.Job(job.JobId).ToString(),
                Annotations = summary is null ? null : JobPaths.Output(job.Request.Dataset, job.JobId, JobPaths.AnnotationsFile).ToString(),
                Failures = summary is null ? null : JobPaths.Output(job.Request.Dataset, job.JobId, JobPaths.FailuresFile).ToString(),
                Summary = summary is null ? null : summaryPath.ToString(),
                Report = await ExistingAsync(JobPaths.ReportFolder(job.JobId).Child(ReportFiles.Json), cancellationToken),
                Comparison = comparison is null ? null : CheckpointPaths.Comparison(job.JobId).ToString(),
            },
        };
    }

    private async Task<string?> ExistingAsync(BlobPath path, CancellationToken cancellationToken) =>
        await store.Blobs.GetPropertiesAsync(path, cancellationToken) is null ? null : path.ToString();
}
