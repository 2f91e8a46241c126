using System.Threading.Channels;
using DiMaskDino.Pipeline.Storage;

namespace DiMaskDino.Pipeline.Processing;

/// <summary>
/// Downloads a shard's images in manifest order in the background, at most <c>parallelism</c> in flight, holding at
/// most <c>byteCap</c> bytes that were started but not yet taken by the consumer (an image larger than the cap is
/// still downloaded, alone). The bytes of an image count from the start of its download (by the manifest's length,
/// corrected to the real length once read) until <see cref="ReadAllAsync"/> hands it out. Disposing cancels the
/// downloads and drops whatever was buffered. One image that cannot be read (vanished, not a regular file, past the
/// time limit) is handed out with the reason instead of content; the others go on.
/// </summary>
internal sealed class ShardDownloads : IAsyncDisposable
{
    private readonly IBlobStore _blobs;
    private readonly (int Index, BlobPath Path, long Length)[] _images;
    private readonly int _parallelism;
    private readonly long _byteCap;
    private readonly TimeSpan _readTimeout;
    private readonly CancellationTokenSource _stop;
    private readonly Channel<(int Index, BlobContent? Content, string? Failure, long Held)> _ready = Channel.CreateUnbounded<(int, BlobContent?, string?, long)>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly SemaphoreSlim _taken = new(0);
    private readonly Lock _gate = new();
    private readonly Task _producer;
    private long _held;
    private long _peakHeld;

    public ShardDownloads(
        IBlobStore blobs, IEnumerable<(int Index, BlobPath Path, long Length)> images, int parallelism, long byteCap, TimeSpan readTimeout, CancellationToken cancellationToken)
    {
        _readTimeout = readTimeout;
        _blobs = blobs;
        _images = [.. images];
        _parallelism = parallelism;
        _byteCap = byteCap;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _producer = Task.Run(() => ProduceAsync(_stop.Token), CancellationToken.None);
    }

    /// <summary>The most bytes held at once so far.</summary>
    public long PeakHeldBytes
    {
        get
        {
            lock (_gate)
            {
                return _peakHeld;
            }
        }
    }

    /// <summary>Each image in manifest order: its index and content, or (content null) why it could not be read. Read once.</summary>
    public async IAsyncEnumerable<(int Index, BlobContent? Content, string? Failure)> ReadAllAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var (index, content, failure, held) in _ready.Reader.ReadAllAsync(cancellationToken))
        {
            Release(held);
            yield return (index, content, failure);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _producer.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        while (_ready.Reader.TryRead(out _))
        {
        }

        _stop.Dispose();
        _taken.Dispose();
    }

    private async Task ProduceAsync(CancellationToken cancellationToken)
    {
        var window = new Queue<(int Index, long Held, Task<(BlobContent? Content, string? Failure)> Read)>();
        try
        {
            var next = 0;
            while (next < _images.Length || window.Count > 0)
            {
                while (next < _images.Length && window.Count < _parallelism && TryReserve(Math.Max(0, _images[next].Length)))
                {
                    var (index, path, length) = _images[next++];
                    window.Enqueue((index, Math.Max(0, length), ReadOneAsync(path, cancellationToken)));
                }

                if (window.Count == 0)
                {
                    await _taken.WaitAsync(cancellationToken); // over the byte cap: wait for the consumer
                    continue;
                }

                var (current, reserved, pending) = window.Dequeue();
                var (content, failure) = await pending;
                var held = content?.Data.ToMemory().Length ?? 0;
                Adjust(held - reserved);
                await _ready.Writer.WriteAsync((current, content, failure, held), cancellationToken);
            }

            _ready.Writer.TryComplete();
        }
        catch (Exception e)
        {
            // Storage errors and cancellation reach the consumer; the downloads still in flight are awaited below.
            _ready.Writer.TryComplete(e);
        }
        finally
        {
            foreach (var (_, _, pending) in window)
            {
                await ((Task)pending).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private async Task<(BlobContent? Content, string? Failure)> ReadOneAsync(BlobPath path, CancellationToken cancellationToken)
    {
        try
        {
            // On a thread of its own: a local open(2) that blocks (a FIFO swapped in after planning) must not stall the
            // producer; past the time limit it is abandoned (a thread stays blocked in that open until a writer appears).
            var content = await Task.Run(() => _blobs.ReadAsync(path, cancellationToken), cancellationToken).WaitAsync(_readTimeout, cancellationToken);
            return (content, content is null ? "the image blob no longer exists (deleted after the job was planned)" : null);
        }
        catch (TimeoutException)
        {
            return (null, $"reading the image took longer than {_readTimeout.TotalSeconds:0.#} s, the time limit for one image");
        }
        catch (UnreadableBlobException e)
        {
            return (null, e.Message);
        }
    }

    private bool TryReserve(long bytes)
    {
        lock (_gate)
        {
            if (_held > 0 && _held + bytes > _byteCap)
            {
                return false;
            }

            _held += bytes;
            _peakHeld = Math.Max(_peakHeld, _held);
            return true;
        }
    }

    private void Adjust(long delta)
    {
        lock (_gate)
        {
            _held += delta;
            _peakHeld = Math.Max(_peakHeld, _held);
        }
    }

    private void Release(long bytes)
    {
        lock (_gate)
        {
            _held -= bytes;
        }

        _taken.Release();
    }
}
