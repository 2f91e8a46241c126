using DiMaskDino.Pipeline.Jobs;

namespace DiMaskDino.Pipeline.Planning;

/// <summary>
/// Streams a completed job's images in name order (its results, shard by shard: shards are consecutive runs of the
/// sorted listing), one results file in memory at a time. The base of an incremental plan.
/// </summary>
internal sealed class PreviousImages(JobStore store, JobRecord job)
{
    public async IAsyncEnumerable<(ImageResult Image, ShardAddress From)> ReadAsync(
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (var shard = 0; shard < job.ShardCount; shard++)
        {
            var result = await store.ReadResultAsync(job.JobId, shard, cancellationToken)
                ?? throw new InvalidDataException($"base job {job.JobId} is completed but has no result for shard {shard}");
            var from = new ShardAddress(job.JobId, shard);
            foreach (var image in result.Images)
            {
                yield return (image, from);
            }
        }
    }
}
