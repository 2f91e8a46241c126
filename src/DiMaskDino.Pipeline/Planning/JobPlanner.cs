using DiMaskDino.Contracts.Images;
using DiMaskDino.Pipeline.Jobs;

namespace DiMaskDino.Pipeline.Planning;

/// <summary>
/// Turns the listing of <c>images/{prefix}</c> into shard manifests, streaming: the listing arrives in ordinal name
/// order and shard n is written as soon as its K names are read, so memory holds one shard, never the listing.
/// </summary>
/// <remarks>
/// Incremental planning merge-joins the listing with the base job's results (also in name order): an image with the
/// same name and ETag keeps its id and result (<see cref="ManifestImage.CarriedFrom"/>), unless its result was a shard
/// failure (then it is labeled again); a changed image keeps its id and is labeled again; a new image gets the next id
/// after the base job's largest, in name order; a base image missing from the listing is removed from the output.
/// Ids of a full job are 1..N in name order. An entry the listing could not read (<see cref="Storage.BlobProperties.Problem"/>)
/// is planned like an image when its name is an image's (or it is a folder), and fails with that reason.
/// </remarks>
public sealed class JobPlanner(JobStore store)
{
    /// <summary>Counts what <see cref="PlanAsync"/> would plan without writing anything (to detect "up to date").</summary>
    public Task<PlanCounts> CountAsync(JobRequest request, JobRecord? baseJob, CancellationToken cancellationToken = default) =>
        RunAsync(jobId: null, request, baseJob, cancellationToken);

    /// <summary>Writes <c>jobs/{jobId}/shards/{n}.json</c> for every shard (overwriting a previous, interrupted plan).</summary>
    public Task<PlanCounts> PlanAsync(string jobId, JobRequest request, JobRecord? baseJob, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        return RunAsync(jobId, request, baseJob, cancellationToken);
    }

    private async Task<PlanCounts> RunAsync(string? jobId, JobRequest request, JobRecord? baseJob, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(request.ShardSize);
        long toLabel = 0, carried = 0, removed = 0, skipped = 0;
        long nextId = (baseJob?.MaxImageId ?? 0) + 1, maxId = baseJob?.MaxImageId ?? 0;
        var shard = 0;
        var buffer = new List<ManifestImage>(request.ShardSize);

        await using var previous = (baseJob is null
            ? AsyncEnumerable.Empty<(ImageResult Image, ShardAddress From)>()
            : new PreviousImages(store, baseJob).ReadAsync(cancellationToken)).GetAsyncEnumerator(cancellationToken);
        var hasPrevious = await previous.MoveNextAsync();

        await foreach (var blob in store.Blobs.ListAsync(JobPaths.ImagesPrefix(request.ImagesPrefix), cancellationToken))
        {
            var name = blob.Path.Name;
            if (!ImageFileNames.IsImage(name) && !(blob.Problem is not null && blob.IsFolder))
            {
                skipped++;
                continue;
            }

            while (hasPrevious && string.CompareOrdinal(previous.Current.Image.Name, name) < 0)
            {
                removed++;
                hasPrevious = await previous.MoveNextAsync();
            }

            ManifestImage image;
            if (hasPrevious && previous.Current.Image.Name == name)
            {
                var (old, from) = previous.Current;
                var reusable = old.ETag == blob.ETag && old.Failure?.Kind != FailureKind.Shard;
                image = new ManifestImage(old.Id, name, blob.ETag, blob.Length) { CarriedFrom = reusable ? from : null, Problem = blob.Problem };
                hasPrevious = await previous.MoveNextAsync();
            }
            else
            {
                image = new ManifestImage(nextId++, name, blob.ETag, blob.Length) { Problem = blob.Problem };
            }

            maxId = Math.Max(maxId, image.Id);
            if (image.CarriedFrom is null)
            {
                toLabel++;
            }
            else
            {
                carried++;
            }

            buffer.Add(image);
            if (buffer.Count == request.ShardSize)
            {
                await FlushAsync();
            }
        }

        while (hasPrevious)
        {
            removed++;
            hasPrevious = await previous.MoveNextAsync();
        }

        if (buffer.Count > 0)
        {
            await FlushAsync();
        }

        return new PlanCounts(toLabel, carried, removed, skipped, shard, maxId);

        async Task FlushAsync()
        {
            if (jobId is not null)
            {
                await store.WriteManifestAsync(new ShardManifest(jobId, shard, [.. buffer]), cancellationToken);
            }

            shard++;
            buffer.Clear();
        }
    }
}
