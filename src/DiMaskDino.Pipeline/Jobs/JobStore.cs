using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using DiMaskDino.Pipeline.Storage;

namespace DiMaskDino.Pipeline.Jobs;

/// <summary>Typed reads and writes of the job files over an <see cref="IBlobStore"/>. A file that exists but does not
/// parse is an <see cref="InvalidDataException"/> naming the blob.</summary>
public sealed class JobStore(IBlobStore store)
{
    private static readonly PipelineJsonContext Context = PipelineJsonContext.Default;

    public IBlobStore Blobs => store;

    public Task<JobRecord?> ReadJobAsync(string jobId, CancellationToken cancellationToken = default) =>
        ReadAsync(JobPaths.Job(jobId), Context.JobRecord, cancellationToken);

    /// <summary>Creates job.json if the job does not exist yet (<c>If-None-Match: *</c>); false when another submission was first.</summary>
    public Task<bool> CreateJobAsync(JobRecord job, CancellationToken cancellationToken = default) =>
        WriteAsync(JobPaths.Job(job.JobId), job, Context.JobRecord, WriteMode.CreateNew, cancellationToken);

    /// <summary>Writes job.json (state transitions have one writer at a time, so it is overwritten).</summary>
    public Task WriteJobAsync(JobRecord job, CancellationToken cancellationToken = default) =>
        WriteAsync(JobPaths.Job(job.JobId), job, Context.JobRecord, WriteMode.Overwrite, cancellationToken);

    public async Task<JobRecord> RequireJobAsync(string jobId, CancellationToken cancellationToken = default) =>
        await ReadJobAsync(jobId, cancellationToken) ?? throw new InvalidDataException($"job {jobId}: {JobPaths.Job(jobId)} does not exist");

    public Task<ShardManifest?> ReadManifestAsync(string jobId, int shard, CancellationToken cancellationToken = default) =>
        ReadAsync(JobPaths.Shard(jobId, shard), Context.ShardManifest, cancellationToken);

    public async Task<ShardManifest> RequireManifestAsync(string jobId, int shard, CancellationToken cancellationToken = default) =>
        await ReadManifestAsync(jobId, shard, cancellationToken)
        ?? throw new InvalidDataException($"job {jobId}: shard manifest {JobPaths.Shard(jobId, shard)} does not exist");

    public Task WriteManifestAsync(ShardManifest manifest, CancellationToken cancellationToken = default) =>
        WriteAsync(JobPaths.Shard(manifest.JobId, manifest.Shard), manifest, Context.ShardManifest, WriteMode.Overwrite, cancellationToken);

    public Task<ShardResult?> ReadResultAsync(string jobId, int shard, CancellationToken cancellationToken = default) =>
        ReadAsync(JobPaths.Result(jobId, shard), Context.ShardResult, cancellationToken);

    /// <summary>Writes a shard's result if it has none yet (first writer wins); false when another writer was first.</summary>
    public Task<bool> WriteResultAsync(ShardResult result, CancellationToken cancellationToken = default) =>
        WriteAsync(JobPaths.Result(result.JobId, result.Shard), result, Context.ShardResult, WriteMode.CreateNew, cancellationToken);

    /// <summary>Shard numbers that have a results file, streamed from the listing.</summary>
    public async IAsyncEnumerable<int> ListFinishedShardsAsync(
        string jobId, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var blob in store.ListAsync(JobPaths.ResultsFolder(jobId), cancellationToken))
        {
            if (JobPaths.ShardOfResult(blob.Path) is { } shard)
            {
                yield return shard;
            }
        }
    }

    /// <summary>
    /// The ids of every job, streamed from a flat listing of the whole <c>jobs</c> container: fine for thousands of jobs;
    /// an index of active jobs would be needed far beyond that.
    /// </summary>
    public async IAsyncEnumerable<string> ListJobIdsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var blob in store.ListAsync(new BlobPath(Containers.Jobs, ""), cancellationToken))
        {
            if (JobPaths.JobOfRecord(blob.Path) is { } jobId)
            {
                yield return jobId;
            }
        }
    }

    /// <summary>When the job's last shard result was written (its creation time before any).</summary>
    public async Task<DateTimeOffset> LastResultAtAsync(JobRecord job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        var last = job.CreatedAt;
        await foreach (var blob in store.ListAsync(JobPaths.ResultsFolder(job.JobId), cancellationToken))
        {
            last = blob.LastModified > last ? blob.LastModified : last;
        }

        return last;
    }

    /// <summary>Marks <paramref name="job"/> failed with <paramref name="reason"/> unless it moved on since it was read (e.g. finished meanwhile); true when marked.</summary>
    public async Task<bool> FailJobAsync(JobRecord job, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        var current = await ReadJobAsync(job.JobId, cancellationToken);
        if (current is null || current.State != job.State)
        {
            return false;
        }

        await WriteJobAsync(current with { State = JobState.Failed, Error = reason }, cancellationToken);
        return true;
    }

    public Task<DatasetPointer?> ReadLatestAsync(string dataset, CancellationToken cancellationToken = default) =>
        ReadAsync(JobPaths.Latest(dataset), Context.DatasetPointer, cancellationToken);

    public Task WriteLatestAsync(string dataset, DatasetPointer pointer, CancellationToken cancellationToken = default) =>
        WriteAsync(JobPaths.Latest(dataset), pointer, Context.DatasetPointer, WriteMode.Overwrite, cancellationToken);

    public static T Deserialize<T>(BinaryData data, JsonTypeInfo<T> type, string what)
    {
        try
        {
            return JsonSerializer.Deserialize(data.ToMemory().Span, type) ?? throw new InvalidDataException($"{what}: expected a JSON object, found null");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{what}: not a valid {typeof(T).Name}: {e.Message}", e);
        }
    }

    private async Task<T?> ReadAsync<T>(BlobPath path, JsonTypeInfo<T> type, CancellationToken cancellationToken)
        where T : class
    {
        var content = await store.ReadAsync(path, cancellationToken);
        return content is null ? null : Deserialize(content.Data, type, path.ToString());
    }

    private Task<bool> WriteAsync<T>(BlobPath path, T value, JsonTypeInfo<T> type, WriteMode mode, CancellationToken cancellationToken) =>
        store.WriteAsync(path, BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(value, type)), mode, cancellationToken);
}
