namespace DiMaskDino.Pipeline.Storage;

/// <summary>What a listing or a property read tells about one blob. <see cref="ETag"/> changes whenever the content does.</summary>
public sealed record BlobProperties(BlobPath Path, long Length, string ETag, DateTimeOffset LastModified);
