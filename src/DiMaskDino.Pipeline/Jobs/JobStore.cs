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
