namespace DiMaskDino.Pipeline.Storage;

/// <summary>
/// The blob exists but is not something to read (a FIFO, device or socket put where the listing saw a file): a
/// per-image failure with <see cref="Exception.Message"/> as the reason, not a storage error to retry.
/// </summary>
public sealed class UnreadableBlobException(string reason) : IOException(reason);
