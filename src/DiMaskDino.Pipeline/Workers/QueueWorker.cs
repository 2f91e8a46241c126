using DiMaskDino.Pipeline.Queues;
using Microsoft.Extensions.Logging;

namespace DiMaskDino.Pipeline.Workers;

/// <summary>
/// The receive loop around a message handler (e.g. <see cref="Processing.ShardProcessor.ProcessAsync"/>): one message
/// at a time, its lock renewed every <see cref="QueueWorkerOptions.LockRenewInterval"/> while the handler runs, then
/// settled by the one rule of <see cref="Settlement.Decide"/> (complete; abandon; dead-letter with the error as the
/// reason on the delivery that reaches the queue's <see cref="IWorkQueue.MaxDeliveryCount"/>, or at once for a poison
/// message; abandon when the worker is stopped). When the lock is lost the handler is cancelled and the message left
/// to its next receiver (also when settling finds the lock gone).
/// </summary>
/// <remarks>
/// Made by <see cref="Prefetching"/>, the worker also receives the next message while the current one runs and
/// prepares it (<see cref="IPreparedMessage"/>: e.g. a shard's image downloads), renewing its lock too. The next
/// message is run only after the current one is settled, so settling stays as above (completed only after its run
/// succeeded). A prepared message whose lock is lost is discarded (its preparation cancelled) and left to its next
/// receiver; one that fails to prepare is settled like a failed run; on stop or <see cref="DisposeAsync"/> it is
/// discarded and abandoned. At most one message is held beside the current one.
/// </remarks>
public sealed partial class QueueWorker : IAsyncDisposable
{
    private readonly IWorkQueue _queue;
    private readonly Func<BinaryData, CancellationToken, Task<IPreparedMessage>> _prepare;
    private readonly bool _prefetch;
    private readonly QueueWorkerOptions _options;
    private readonly ILogger<QueueWorker> _logger;
    private readonly TimeProvider _time;
    private MessageInHand? _next;

    public QueueWorker(
        IWorkQueue queue, Func<BinaryData, CancellationToken, Task> handler, QueueWorkerOptions options, ILogger<QueueWorker> logger, TimeProvider? time = null)
        : this(queue, (body, _) => Task.FromResult<IPreparedMessage>(new Deferred(handler, body)), prefetch: false, options, logger, time)
    {
    }

    private QueueWorker(
        IWorkQueue queue, Func<BinaryData, CancellationToken, Task<IPreparedMessage>> prepare, bool prefetch, QueueWorkerOptions options,
        ILogger<QueueWorker> logger, TimeProvider? time)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(prepare);
        ArgumentNullException.ThrowIfNull(options);
        _queue = queue;
        _prepare = prepare;
        _prefetch = prefetch;
        _options = options;
        _logger = logger;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>A worker that prepares the next message while the current one runs (see the remarks).</summary>
    public static QueueWorker Prefetching(
        IWorkQueue queue, Func<BinaryData, CancellationToken, Task<IPreparedMessage>> prepare, QueueWorkerOptions options, ILogger<QueueWorker> logger,
        TimeProvider? time = null) =>
        new(queue, prepare, prefetch: true, options, logger, time);

    /// <summary>Processes messages until <paramref name="cancellationToken"/> is cancelled or the worker was idle for <see cref="QueueWorkerOptions.IdleExit"/>.</summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        var idleSince = _time.GetTimestamp();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                if (await ProcessOneAsync(cancellationToken))
                {
                    idleSince = _time.GetTimestamp();
                }
                else if (_options.IdleExit is { } idle && _time.GetElapsedTime(idleSince) >= idle)
                {
                    LogIdleExit(_logger, _queue.Name, idle);
                    return;
                }
            }
        }
        finally
        {
            await ReleaseNextAsync();
        }
    }

    /// <summary>
    /// Handles at most one message (the prefetched one if any, else one received now; a prefetching worker receives and
    /// prepares the next meanwhile); false when none arrived within the receive wait.
    /// </summary>
    public async Task<bool> ProcessOneAsync(CancellationToken cancellationToken = default)
    {
        var current = _next;
        _next = null;
        if (current is null)
        {
            IReadOnlyList<IReceivedMessage> received;
            try
            {
                received = await _queue.ReceiveAsync(1, _options.ReceiveWait, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return false;
            }

            if (received.Count == 0)
            {
                return false;
            }

            current = Start(received[0], cancellationToken);
        }

        var prefetch = _prefetch ? PrefetchAsync(cancellationToken) : null;
        try
        {
            await HandleAsync(current, cancellationToken);
        }
        finally
        {
            if (prefetch is not null)
            {
                _next = await prefetch;
                if (cancellationToken.IsCancellationRequested)
                {
                    await ReleaseNextAsync();
                }
            }
        }

        return true;
    }

    /// <summary>Discards and abandons a prefetched message still in hand.</summary>
    public async ValueTask DisposeAsync() => await ReleaseNextAsync();

    private MessageInHand Start(IReceivedMessage message, CancellationToken stopping)
    {
        var hand = new MessageInHand(message, CancellationTokenSource.CreateLinkedTokenSource(stopping));
        hand.Renewal = RenewAsync(message, () => { hand.LockLost = true; hand.Work.Cancel(); }, hand.Renewing.Token);
        hand.Prepared = PrepareAsync(message.Body, hand.Work.Token);
        return hand;
    }

    private async Task<IPreparedMessage> PrepareAsync(BinaryData body, CancellationToken cancellationToken)
    {
        await Task.Yield(); // the caller goes on at once: preparing runs beside the current message
        return await _prepare(body, cancellationToken);
    }

    private async Task<MessageInHand?> PrefetchAsync(CancellationToken stopping)
    {
        try
        {
            var received = await _queue.ReceiveAsync(1, _options.ReceiveWait, stopping);
            return received.Count == 0 ? null : Start(received[0], stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception e)
        {
            // The current message is unaffected; the next plain receive meets (and reports) the problem again.
            LogPrefetchFailed(_logger, _queue.Name, e.Message, e);
            return null;
        }
    }

    private async Task ReleaseNextAsync()
    {
        if (_next is not { } next)
        {
            return;
        }

        _next = null;
        await next.Work.CancelAsync();
        await next.StopRenewingAsync();
        await ((Task)next.Prepared!).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (next.Prepared.IsCompletedSuccessfully)
        {
            await next.Prepared.Result.DisposeAsync();
        }

        var settlement = await SettleAsync(next.Message, Settlement.Decide(null, next.LockLost, stopped: true, next.Message.DeliveryCount, _queue.MaxDeliveryCount));
        settlement.Log(_logger, next.Message.Id, _queue.Name, next.Message.DeliveryCount);

        next.Dispose();
    }

    private async Task HandleAsync(MessageInHand hand, CancellationToken stopping)
    {
        var message = hand.Message;
        Exception? failure = null;
        var cancelled = false;
        try
        {
            await using var prepared = await hand.Prepared!;
            hand.Work.Token.ThrowIfCancellationRequested(); // a prefetched message that lost its lock or was stopped never runs
            await prepared.RunAsync(hand.Work.Token);
        }
        catch (OperationCanceledException) when (hand.Work.IsCancellationRequested)
        {
            cancelled = true; // stopped or lock lost: handled below
        }
        catch (Exception e)
        {
            failure = e;
        }
        finally
        {
            await hand.StopRenewingAsync();
            hand.Dispose();
        }

        // Settling must happen even while stopping, or the message stays locked until its lock runs out.
        var settlement = Settlement.Decide(failure, hand.LockLost, cancelled, message.DeliveryCount, _queue.MaxDeliveryCount);
        settlement = await SettleAsync(message, settlement);
        settlement.Log(_logger, message.Id, _queue.Name, message.DeliveryCount);
        if (cancelled && !hand.LockLost)
        {
            stopping.ThrowIfCancellationRequested();
        }
    }

    /// <summary>Performs <paramref name="settlement"/> on <paramref name="message"/>; a lock lost meanwhile leaves the message alone.</summary>
    private static Task<Settlement> SettleAsync(IReceivedMessage message, Settlement settlement) =>
        settlement.ApplyAsync(
            () => message.CompleteAsync(CancellationToken.None),
            () => message.AbandonAsync(CancellationToken.None),
            () => message.DeadLetterAsync(settlement.Reason!, CancellationToken.None),
            e => e is MessageLockLostException);

    private async Task RenewAsync(IReceivedMessage message, Action onLost, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(_options.LockRenewInterval, _time, cancellationToken);
                await message.RenewLockAsync(cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (MessageLockLostException)
        {
            onLost();
        }
    }

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "No message on {Queue} for {Idle}; stopping")]
    private static partial void LogIdleExit(ILogger logger, string queue, TimeSpan idle);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Receiving the next message from {Queue} failed: {Reason}")]
    private static partial void LogPrefetchFailed(ILogger logger, string queue, string reason, Exception exception);

    /// <summary>A plain handler as a prepared message: nothing happens before it runs.</summary>
    private sealed class Deferred(Func<BinaryData, CancellationToken, Task> handler, BinaryData body) : IPreparedMessage
    {
        public Task RunAsync(CancellationToken cancellationToken = default) => handler(body, cancellationToken);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
