// Background production of managed samples in a fixed order (style.md tensor rule 4: loader threads hand over
// managed arrays only). Shared by TrainingLoader and EvalLoader.

using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace DiMaskDino.Model.Data;

/// <summary>
/// Runs <c>produce(worker, position)</c> for positions 0, 1, 2, … on <c>workers</c> dedicated background threads and hands
/// the results out in position order, whatever the thread timing. Worker w does positions w, w + W, w + 2W, … into
/// its own bounded queue, and the consumer reads the queues round-robin: at most <c>workers × capacity</c> results
/// wait in memory. A null result is a position to skip. An exception in a worker is rethrown, with its original
/// type and stack, by the <see cref="TryTake"/> that reaches its position.
/// </summary>
internal sealed class OrderedPrefetcher<T> : IDisposable
    where T : class
{
    private readonly BlockingCollection<Item>[] _queues;
    private readonly Thread[] _threads;
    private readonly CancellationTokenSource _stop = new();
    private long _position;

    /// <param name="produce">Called on worker threads with (worker index, position); must be thread-safe.</param>
    /// <param name="count">Number of positions, or null for an endless stream.</param>
    public OrderedPrefetcher(Func<int, long, T?> produce, long? count, int workers, int capacity, string name)
    {
        ArgumentNullException.ThrowIfNull(produce);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(workers);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _queues = [.. Enumerable.Range(0, workers).Select(_ => new BlockingCollection<Item>(capacity))];
        _threads = new Thread[workers];
        for (var w = 0; w < workers; w++)
        {
            var worker = w;
            _threads[w] = new Thread(() => Work(worker, produce, count)) { IsBackground = true, Name = $"{name}-{w}" };
            _threads[w].Start();
        }
    }

    /// <summary>Positions taken so far, skipped ones included.</summary>
    public long Position => _position;

    /// <summary>
    /// The result of the next position, or false at the end. <paramref name="value"/> is null for a skipped position.
    /// </summary>
    public bool TryTake(out T? value, CancellationToken cancellationToken)
    {
        var queue = _queues[_position % _queues.Length];
        if (!queue.TryTake(out var item, Timeout.Infinite, cancellationToken))
        {
            value = null;
            return false;
        }

        _position++;
        item.Error?.Throw();
        value = item.Value;
        return true;
    }

    public void Dispose()
    {
        _stop.Cancel();
        foreach (var thread in _threads)
        {
            thread.Join();
        }

        foreach (var queue in _queues)
        {
            queue.Dispose();
        }

        _stop.Dispose();
    }

    private void Work(int worker, Func<int, long, T?> produce, long? count)
    {
        var queue = _queues[worker];
        try
        {
            for (long p = worker; count is null || p < count; p += _queues.Length)
            {
                Item item;
                try
                {
                    item = new Item(produce(worker, p), null);
                }
                catch (Exception e)
                {
                    queue.Add(new Item(null, ExceptionDispatchInfo.Capture(e)), _stop.Token);
                    return;
                }

                queue.Add(item, _stop.Token);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Disposed while waiting for room in the queue.
        }
        finally
        {
            queue.CompleteAdding();
        }
    }

    private sealed record Item(T? Value, ExceptionDispatchInfo? Error);
}
