using DiMaskDino.Pipeline.Jobs;

namespace DiMaskDino.Pipeline.Processing;

/// <summary>What a prepared shard still has to do: the manifest, the carried results copied so far and the downloads of the rest.</summary>
internal sealed record ShardWork(
    ShardManifest Manifest, ImageResult?[] Results, IReadOnlyList<LabelCategory>? CarriedCategories, int[] ToLabel, ShardDownloads? Downloads);

/// <summary>The tag of an image handed to the predictor: its index in the shard's manifest and the ETag of the bytes read.</summary>
internal readonly record struct DownloadedImage(int Index, string ETag);
