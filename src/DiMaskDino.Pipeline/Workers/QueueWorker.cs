using DiMaskDino.Pipeline.Queues;
using Microsoft.Extensions.Logging;

namespace DiMaskDino.Pipeline.Workers;

/// <summary>
/// The receive loop around a message handler (e.g. <see cref="Processing.ShardProcessor.ProcessAsync"/>): one message
/// at a time, its lock renewed every <see cref="QueueWorkerOptions.LockRenewInterval"/> while the handler runs;
/// completed on success; on failure abandoned for another delivery, or, on the delivery that reaches the queue's
/// <see cref="IWorkQueue.MaxDeliveryCount"/>, dead-lettered with the error as the reason (so the reason names the real
/// problem, not just "max delivery count"). When the lock is lost the handler is cancelled and the message left to
/// its next receiver. When the worker is stopped the message in hand is abandoned.
/// </summary>
public sealed partial class QueueWorker(
    IWorkQueue queue, Func<BinaryData, CancellationToken, Task> handler, QueueWorkerOptions options, ILogger<QueueWorker> logger, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Processes messages until <paramref name="cancellationToken"/> is cancelled or the worker was idle for <see cref="QueueWorkerOptions.IdleExit"/>.</summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        var idleSince = _time.GetTimestamp();
        while (!cancellationToken.IsCancellationRequested)
        {
            if (await ProcessOneAsync(cancellationToken))
            {
                idleSince = _time.GetTimestamp();
            }
            else if (options.IdleExit is { } idle && _time.GetElapsedTime(idleSince) >= idle)
            {
                LogIdleExit(logger, queue.Name, idle);
                return;
            }
        }
    }

    /// <summary>Receives and handles at most one message; false when none arrived within the receive wait.</summary>
    public async Task<bool> ProcessOneAsync(CancellationToken cancellationToken = default)
    {
        IReadOnlyList<IReceivedMessage> received;
        try
        {
            received = await queue.ReceiveAsync(1, options.ReceiveWait, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }

        if (received.Count == 0)
        {
            return false;
        }

        await HandleAsync(received[0], cancellationToken);
        return true;
    }

    private async Task HandleAsync(IReceivedMessage message, CancellationToken stopping)
    {
        using var work = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var lockLost = false;
        using var renewing = new CancellationTokenSource();
        var renewal = RenewAsync(message, () => { lockLost = true; work.Cancel(); }, renewing.Token);
        Exception? failure = null;
        var cancelled = false;
        try
        {
            await handler(message.Body, work.Token);
        }
        catch (OperationCanceledException) when (work.IsCancellationRequested)
        {
            cancelled = true; // stopped or lock lost: handled below
        }
        catch (Exception e)
        {
            failure = e;
        }
        finally
        {
            await renewing.CancelAsync();
            await renewal;
        }

        if (lockLost)
        {
            LogLockLost(logger, message.Id, queue.Name);
            return;
        }

        // Settling must happen even while stopping, or the message stays locked until its lock runs out.
        if (cancelled)
        {
            await message.AbandonAsync(CancellationToken.None);
            stopping.ThrowIfCancellationRequested();
        }

        if (failure is null)
        {
            await message.CompleteAsync(CancellationToken.None);
            return;
        }

        var reason = $"{failure.GetType().Name}: {failure.Message}".ReplaceLineEndings(" ");
        if (message.DeliveryCount >= queue.MaxDeliveryCount)
        {
            LogDeadLettered(logger, message.Id, queue.Name, message.DeliveryCount, reason);
            await message.DeadLetterAsync(reason, CancellationToken.None);
        }
        else
        {
            LogAbandoned(logger, message.Id, queue.Name, message.DeliveryCount, reason);
            await message.AbandonAsync(CancellationToken.None);
        }
    }

    private async Task RenewAsync(IReceivedMessage message, Action onLost, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(options.LockRenewInterval, _time, cancellationToken);
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

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Message {MessageId} on {Queue} failed on delivery {DeliveryCount}, abandoned for a retry: {Reason}")]
    private static partial void LogAbandoned(ILogger logger, string messageId, string queue, int deliveryCount, string reason);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "Message {MessageId} on {Queue} failed on delivery {DeliveryCount}, dead-lettered: {Reason}")]
    private static partial void LogDeadLettered(ILogger logger, string messageId, string queue, int deliveryCount, string reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Lost the lock of message {MessageId} on {Queue}; left to its next receiver")]
    private static partial void LogLockLost(ILogger logger, string messageId, string queue);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "No message on {Queue} for {Idle}; stopping")]
    private static partial void LogIdleExit(ILogger logger, string queue, TimeSpan idle);
}
