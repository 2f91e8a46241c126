using System.Text.Json;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Queues;
using Microsoft.Extensions.Logging;

namespace DiMaskDino.Pipeline.Planning;

/// <summary>
/// Job submission as the control plane (Functions HTTP/blob trigger) and the embedded CLI call it: find the dataset's
/// reusable base job, derive the deterministic job id, plan (or resume) and send one message per unfinished shard.
/// Safe to call again with the same request at any point: an interrupted plan is redone, a running job gets its
/// missing shards re-sent, a finished job is left alone. Creating the job record is conditional (first submission
/// wins), and a job id that already belongs to a different request is a <see cref="JobConflictException"/>, so two
/// submissions of one explicit job id never plan two requests into one job.
/// </summary>
public sealed partial class JobSubmitter(JobStore store, IWorkQueue shardQueue, PipelineOptions options, TimeProvider time, ILogger<JobSubmitter> logger)
{
    private readonly JobPlanner _planner = new(store);

    public async Task<Submission> SubmitAsync(JobRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate().ThrowIfInvalid();
        var baseJob = await FindBaseJobAsync(request, cancellationToken);
        var jobId = request.JobId ?? JobIds.Derive(request, baseJob?.JobId);
        var existing = await store.ReadJobAsync(jobId, cancellationToken);
        if (existing is null)
        {
            if (baseJob is not null && baseJob.Request.GroundTruth == request.GroundTruth
                && JobIds.ExportFormats(baseJob.Request).SequenceEqual(JobIds.ExportFormats(request))
                && (await _planner.CountAsync(request, baseJob, cancellationToken)).UpToDate)
            {
                return new Submission(baseJob, SubmissionOutcome.UpToDate, 0);
            }

            var created = new JobRecord
            {
                JobId = jobId,
                Request = request,
                State = JobState.Planning,
                CreatedAt = time.GetUtcNow(),
                BaseJobId = baseJob?.JobId,
            };
            if (await store.CreateJobAsync(created, cancellationToken))
            {
                return await PlanAsync(created, baseJob, cancellationToken);
            }

            existing = await store.RequireJobAsync(jobId, cancellationToken); // another submission created it first
        }

        if (JobConflictException.Compare(existing.Request, request) is { Count: > 0 } differing)
        {
            throw new JobConflictException(jobId, differing);
        }

        if (existing.State is JobState.Completed or JobState.Failed or JobState.Cancelled)
        {
            return new Submission(existing, SubmissionOutcome.AlreadyFinished, 0);
        }

        if (existing is { State: JobState.Running })
        {
            var resent = await SendUnfinishedAsync(existing, cancellationToken);
            LogResumed(logger, jobId, resent);
            return new Submission(existing, SubmissionOutcome.Resumed, resent);
        }

        // Planning: interrupted, or still running elsewhere. Planning the same request against the same base job is
        // deterministic, so planning it again writes the same manifests.
        var recordedBase = existing.BaseJobId == baseJob?.JobId ? baseJob
            : existing.BaseJobId is { } baseJobId ? await store.RequireJobAsync(baseJobId, cancellationToken) : null;
        return await PlanAsync(existing, recordedBase, cancellationToken);
    }

    private async Task<Submission> PlanAsync(JobRecord job, JobRecord? baseJob, CancellationToken cancellationToken)
    {
        var jobId = job.JobId;
        var counts = await _planner.PlanAsync(jobId, job.Request, baseJob, cancellationToken);
        switch (await store.ReadJobAsync(jobId, cancellationToken))
        {
            case { State: JobState.Running } planned: // a concurrent submission of the same request planned it and sent its shards
                return new Submission(planned, SubmissionOutcome.Resumed, 0);
            case { State: JobState.Completed or JobState.Failed or JobState.Cancelled } finished: // e.g. cancelled while planning
                return new Submission(finished, SubmissionOutcome.AlreadyFinished, 0);
        }

        job = job with
        {
            State = JobState.Running,
            ShardCount = counts.Shards,
            ImagesTotal = counts.Total,
            ImagesToLabel = counts.ToLabel,
            ImagesCarried = counts.Carried,
            ImagesRemoved = counts.Removed,
            FilesSkipped = counts.Skipped,
            MaxImageId = counts.MaxImageId,
        };
        await store.WriteJobAsync(job, cancellationToken);
        LogPlanned(logger, jobId, counts.Total, counts.ToLabel, counts.Carried, counts.Removed, counts.Shards);
        var sent = await SendUnfinishedAsync(job, cancellationToken);
        return new Submission(job, SubmissionOutcome.Planned, sent);
    }

    /// <summary>Marks a job cancelled; shard processors then settle its remaining messages without work.</summary>
    public async Task<JobRecord> CancelAsync(string jobId, CancellationToken cancellationToken = default)
    {
        var job = await store.RequireJobAsync(jobId, cancellationToken);
        if (job.State is JobState.Completed or JobState.Failed or JobState.Cancelled)
        {
            return job;
        }

        job = job with { State = JobState.Cancelled };
        await store.WriteJobAsync(job, cancellationToken);
        return job;
    }

    /// <summary>
    /// The dataset's last completed job when its labels can be reused by <paramref name="request"/>. A request with
    /// ground truth needs the evaluation-mode instances of every image, which only a job with ground truth kept.
    /// </summary>
    public async Task<JobRecord?> FindBaseJobAsync(JobRequest request, CancellationToken cancellationToken = default)
    {
        if (!request.Incremental || await store.ReadLatestAsync(request.Dataset, cancellationToken) is not { } latest || !JobIds.CanReuse(latest, request))
        {
            return null;
        }

        var job = await store.ReadJobAsync(latest.JobId, cancellationToken);
        return job is { State: JobState.Completed } && (request.GroundTruth is null || job.Request.GroundTruth is not null) ? job : null;
    }

    /// <summary>Sends a message for every shard of <paramref name="job"/> that has no result yet.</summary>
    public async Task<int> SendUnfinishedAsync(JobRecord job, CancellationToken cancellationToken = default)
    {
        var finished = new HashSet<int>();
        await foreach (var shard in store.ListFinishedShardsAsync(job.JobId, cancellationToken))
        {
            finished.Add(shard);
        }

        var batch = new List<WorkMessage>(options.SendBatchSize);
        var sent = 0;
        for (var shard = 0; shard < job.ShardCount; shard++)
        {
            if (finished.Contains(shard))
            {
                continue;
            }

            var message = new ShardMessage(job.JobId, shard);
            batch.Add(new WorkMessage(message.MessageId, BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(message, PipelineJsonContext.Default.ShardMessage))));
            if (batch.Count == options.SendBatchSize)
            {
                await shardQueue.SendAsync([.. batch], cancellationToken);
                sent += batch.Count;
                batch.Clear();
            }
        }

        if (batch.Count > 0)
        {
            await shardQueue.SendAsync([.. batch], cancellationToken);
            sent += batch.Count;
        }

        return sent;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "Job {JobId} planned: {Total} images ({ToLabel} to label, {Carried} carried over, {Removed} removed) in {Shards} shards")]
    private static partial void LogPlanned(ILogger logger, string jobId, long total, long toLabel, long carried, long removed, int shards);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Job {JobId} resumed: {Shards} unfinished shards sent again")]
    private static partial void LogResumed(ILogger logger, string jobId, int shards);
}
