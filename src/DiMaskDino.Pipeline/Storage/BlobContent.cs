namespace DiMaskDino.Pipeline.Storage;

/// <summary>A blob's bytes together with the ETag they were read at.</summary>
public sealed record BlobContent(BinaryData Data, string ETag);
