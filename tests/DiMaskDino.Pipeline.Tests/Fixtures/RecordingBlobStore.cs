using DiMaskDino.Pipeline.Storage;

namespace DiMaskDino.Pipeline.Tests.Fixtures;

/// <summary>
/// A blob store that records every read and write (in call order) before passing it on, and can hold one write back
/// until a condition on the recorded reads holds (or a timeout passes, so a broken expectation fails instead of hanging).
/// </summary>
public sealed class RecordingBlobStore(IBlobStore inner) : IBlobStore
{
    private readonly Lock _gate = new();
    private readonly List<(string Kind, BlobPath Path)> _events = [];
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private BlobPath? _heldWrite;
    private Func<IReadOnlyList<(string Kind, BlobPath Path)>, bool>? _until;

    public IReadOnlyList<(string Kind, BlobPath Path)> Events
    {
        get
        {
            lock (_gate)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>Makes the write of <paramref name="path"/> wait until <paramref name="until"/> holds for the recorded events (at most 20 s).</summary>
    public void HoldWrite(BlobPath path, Func<IReadOnlyList<(string Kind, BlobPath Path)>, bool> until)
    {
        _heldWrite = path;
        _until = until;
    }

    /// <summary>Releases a held write from outside (e.g. when another event the test waits for happened).</summary>
    public void Release() => _released.TrySetResult();

    public Task<BlobContent?> ReadAsync(BlobPath path, CancellationToken cancellationToken = default)
    {
        Record("read", path);
        return inner.ReadAsync(path, cancellationToken);
    }

    public Task<Stream?> OpenReadAsync(BlobPath path, CancellationToken cancellationToken = default)
    {
        Record("read", path);
        return inner.OpenReadAsync(path, cancellationToken);
    }

    public async Task<bool> WriteAsync(BlobPath path, BinaryData content, WriteMode mode, CancellationToken cancellationToken = default)
    {
        if (_heldWrite == path && _until is { } until)
        {
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (!until(Events) && !_released.Task.IsCompleted && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20, cancellationToken);
            }
        }

        Record("write", path);
        return await inner.WriteAsync(path, content, mode, cancellationToken);
    }

    public Task<BlobProperties?> GetPropertiesAsync(BlobPath path, CancellationToken cancellationToken = default) => inner.GetPropertiesAsync(path, cancellationToken);

    public IAsyncEnumerable<BlobProperties> ListAsync(BlobPath prefix, CancellationToken cancellationToken = default) => inner.ListAsync(prefix, cancellationToken);

    public Task<bool> DeleteAsync(BlobPath path, CancellationToken cancellationToken = default) => inner.DeleteAsync(path, cancellationToken);

    private void Record(string kind, BlobPath path)
    {
        lock (_gate)
        {
            _events.Add((kind, path));
        }
    }
}
