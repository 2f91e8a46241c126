using System.Text.Json.Serialization;

namespace DiMaskDino.Pipeline.Jobs;

/// <summary><c>jobs/{jobId}/shards/{n}.json</c>: the images of shard n in ascending name order.</summary>
public sealed record ShardManifest(string JobId, int Shard, IReadOnlyList<ManifestImage> Images);

/// <summary>
/// One image of a shard: its COCO id (assigned at planning), blob name in the <c>images</c> container, and the
/// ETag and length it was listed with. <see cref="CarriedFrom"/> is set when the base job's result is reused.
/// <see cref="Problem"/> is set for an entry the listing found unreadable (see <see cref="Storage.BlobProperties.Problem"/>):
/// it fails with that reason and is never opened.
/// </summary>
public sealed record ManifestImage(long Id, string Name, string ETag, long Length)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ShardAddress? CarriedFrom { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Problem { get; init; }
}

/// <summary>Shard <see cref="Shard"/> of job <see cref="JobId"/>.</summary>
public sealed record ShardAddress(string JobId, int Shard);
