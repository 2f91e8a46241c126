namespace DiMaskDino.Pipeline.Storage;

/// <summary>
/// The storage port: a local folder (one sub-folder per container) or Azure Blob Storage. Implementations are
/// thread-safe. Names are compared ordinally; listings are streamed in ordinal name order, never held in memory whole.
/// </summary>
public interface IBlobStore
{
    /// <summary>Reads a whole blob, or null when it does not exist.</summary>
    Task<BlobContent?> ReadAsync(BlobPath path, CancellationToken cancellationToken = default);

    /// <summary>Opens a blob for streaming reads, or null when it does not exist.</summary>
    Task<Stream?> OpenReadAsync(BlobPath path, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes a blob atomically (readers see the old or the new content, never a part). With
    /// <see cref="WriteMode.CreateNew"/> the write happens only when no blob exists yet (first writer wins,
    /// <c>If-None-Match: *</c>) and the result says whether this call won.
    /// </summary>
    Task<bool> WriteAsync(BlobPath path, BinaryData content, WriteMode mode, CancellationToken cancellationToken = default);

    /// <summary>Properties of one blob, or null when it does not exist.</summary>
    Task<BlobProperties?> GetPropertiesAsync(BlobPath path, CancellationToken cancellationToken = default);

    /// <summary>Every blob whose name starts with <paramref name="prefix"/>'s name, in ordinal name order, paged.</summary>
    IAsyncEnumerable<BlobProperties> ListAsync(BlobPath prefix, CancellationToken cancellationToken = default);

    /// <summary>Deletes a blob; false when there was none.</summary>
    Task<bool> DeleteAsync(BlobPath path, CancellationToken cancellationToken = default);
}
