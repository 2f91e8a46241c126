using System.Runtime.CompilerServices;
using DiMaskDino.Pipeline.Storage;

namespace DiMaskDino.Pipeline.Tests.Fixtures;

/// <summary>
/// A blob store that passes everything on to a real one, but can stop a caller at a chosen point so a test can line
/// up a race: the first listing of a container waits until released, and reads of one blob wait until a given number
/// of readers have arrived. Waits end after 20 s, so a broken expectation fails instead of hanging.
/// </summary>
public sealed class GatedBlobStore(IBlobStore inner) : IBlobStore
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly TaskCompletionSource _listReached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _listReleased = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _readersArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string? _heldListContainer;
    private int _listHeld;
    private BlobPath? _barrierPath;
    private int _barrierReaders;
    private int _arrived;

    /// <summary>Holds the first listing of <paramref name="container"/> until <see cref="ReleaseList"/>.</summary>
    public void HoldFirstList(string container) => _heldListContainer = container;

    /// <summary>Completes when the held listing has been reached.</summary>
    public Task ListReached => _listReached.Task.WaitAsync(Patience);

    public void ReleaseList() => _listReleased.TrySetResult();

    /// <summary>The first <paramref name="readers"/> reads of <paramref name="path"/> each wait until all of them have arrived.</summary>
    public void MeetAtRead(BlobPath path, int readers) => (_barrierPath, _barrierReaders) = (path, readers);

    public async Task<BlobContent?> ReadAsync(BlobPath path, CancellationToken cancellationToken = default)
    {
        if (path == _barrierPath && Interlocked.Increment(ref _arrived) <= _barrierReaders)
        {
            if (_arrived >= _barrierReaders)
            {
                _readersArrived.TrySetResult();
            }

            await _readersArrived.Task.WaitAsync(Patience, cancellationToken);
        }

        return await inner.ReadAsync(path, cancellationToken);
    }

    public Task<Stream?> OpenReadAsync(BlobPath path, CancellationToken cancellationToken = default) => inner.OpenReadAsync(path, cancellationToken);

    public Task<bool> WriteAsync(BlobPath path, BinaryData content, WriteMode mode, CancellationToken cancellationToken = default) =>
        inner.WriteAsync(path, content, mode, cancellationToken);

    public Task<BlobProperties?> GetPropertiesAsync(BlobPath path, CancellationToken cancellationToken = default) => inner.GetPropertiesAsync(path, cancellationToken);

    public async IAsyncEnumerable<BlobProperties> ListAsync(BlobPath prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (prefix.Container == _heldListContainer && Interlocked.Exchange(ref _listHeld, 1) == 0)
        {
            _listReached.TrySetResult();
            await _listReleased.Task.WaitAsync(Patience, cancellationToken);
        }

        await foreach (var blob in inner.ListAsync(prefix, cancellationToken))
        {
            yield return blob;
        }
    }

    public Task<bool> DeleteAsync(BlobPath path, CancellationToken cancellationToken = default) => inner.DeleteAsync(path, cancellationToken);
}
