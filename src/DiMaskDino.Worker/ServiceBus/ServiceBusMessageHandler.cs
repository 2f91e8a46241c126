using System.Diagnostics;
using Azure.Messaging.ServiceBus;
using DiMaskDino.Pipeline.Queues;

namespace DiMaskDino.Worker.ServiceBus;

/// <summary>
/// Runs a message handler (a shard or a finalize) for one <see cref="ProcessMessageEventArgs"/> of a
/// <see cref="ServiceBusProcessor"/> with auto-complete off, and settles the message itself:
/// <list type="bullet">
/// <item>success → completed;</item>
/// <item>the lock was lost while handling (the processor's lock-lost event) → the handler is cancelled and the message
/// left alone: it is redelivered, and the shard's first-writer-wins result makes the redelivery cheap and safe;</item>
/// <item>a transient <see cref="ServiceBusException"/> → abandoned (the broker dead-letters it with
/// <c>MaxDeliveryCountExceeded</c> after the queue's maximum);</item>
/// <item>a body that cannot be parsed (<see cref="PoisonMessageException"/>) → dead-lettered at once with the reason
/// <c>MessageNotParsable</c>;</item>
/// <item>any other failure → abandoned, or dead-lettered with the error as the reason on the delivery that reaches
/// <see cref="MaxDeliveryCount"/>;</item>
/// <item>the drain token fires (SIGTERM and the grace time is over) → cancelled and abandoned, never completed.</item>
/// </list>
/// A lost lock during settling is logged; the message comes back and is handled again.
/// </summary>
public sealed partial class ServiceBusMessageHandler(
    string queue, Func<BinaryData, CancellationToken, Task> handler, int maxDeliveryCount, ILogger<ServiceBusMessageHandler> logger)
{
    public string Queue => queue;

    public int MaxDeliveryCount => maxDeliveryCount;

    /// <param name="drain">cancelled when an in-flight message must stop (shutdown grace time over)</param>
    public async Task<MessageOutcome> HandleAsync(ProcessMessageEventArgs args, CancellationToken drain)
    {
        ArgumentNullException.ThrowIfNull(args);
        var message = args.Message;
        var started = Stopwatch.GetTimestamp();
        using var activity = WorkerTelemetry.ActivitySource.StartActivity($"{queue} process", ActivityKind.Consumer);
        activity?.SetTag("messaging.message.id", message.MessageId);
        activity?.SetTag("messaging.destination.name", queue);

        using var lockLost = new CancellationTokenSource();
        Task OnLockLost(MessageLockLostEventArgs e)
        {
            lockLost.Cancel();
            return Task.CompletedTask;
        }

        args.MessageLockLostAsync += OnLockLost;
        MessageOutcome outcome;
        try
        {
            outcome = await RunAsync(args, lockLost, drain);
        }
        finally
        {
            args.MessageLockLostAsync -= OnLockLost;
        }

        activity?.SetTag(WorkerTelemetry.OutcomeTag, WorkerTelemetry.Tag(outcome));
        WorkerTelemetry.Record(queue, outcome, Stopwatch.GetElapsedTime(started));
        return outcome;
    }

    private async Task<MessageOutcome> RunAsync(ProcessMessageEventArgs args, CancellationTokenSource lockLost, CancellationToken drain)
    {
        var message = args.Message;
        using var work = CancellationTokenSource.CreateLinkedTokenSource(drain, lockLost.Token);
        Exception? failure = null;
        try
        {
            await handler(message.Body, work.Token);
        }
        catch (OperationCanceledException) when (work.IsCancellationRequested)
        {
            if (lockLost.IsCancellationRequested)
            {
                LogLockLost(logger, message.MessageId, queue);
                return MessageOutcome.LockLost;
            }

            LogShutdownAbandon(logger, message.MessageId, queue);
            return await SettleAsync(() => args.AbandonMessageAsync(message, cancellationToken: CancellationToken.None), MessageOutcome.Abandoned, message);
        }
        catch (Exception e)
        {
            failure = e;
        }

        if (lockLost.IsCancellationRequested)
        {
            LogLockLost(logger, message.MessageId, queue);
            return MessageOutcome.LockLost;
        }

        if (failure is null)
        {
            return await SettleAsync(() => args.CompleteMessageAsync(message, CancellationToken.None), MessageOutcome.Completed, message);
        }

        // A body that cannot be parsed fails every delivery: dead-lettered at once, with the reason.
        var poison = failure is PoisonMessageException;
        var reason = poison ? failure.Message.ReplaceLineEndings(" ") : $"{failure.GetType().Name}: {failure.Message}".ReplaceLineEndings(" ");
        if (!poison && (failure is ServiceBusException { IsTransient: true } || message.DeliveryCount < maxDeliveryCount))
        {
            LogAbandoned(logger, message.MessageId, queue, message.DeliveryCount, reason);
            return await SettleAsync(() => args.AbandonMessageAsync(message, cancellationToken: CancellationToken.None), MessageOutcome.Abandoned, message);
        }

        LogDeadLettered(logger, message.MessageId, queue, message.DeliveryCount, reason);
        var description = reason.Length > 4000 ? reason[..4000] : reason;
        return await SettleAsync(
            () => args.DeadLetterMessageAsync(message, poison ? PoisonMessageException.Reason : "ProcessingFailed", description, CancellationToken.None),
            MessageOutcome.DeadLettered,
            message);
    }

    private async Task<MessageOutcome> SettleAsync(Func<Task> settle, MessageOutcome outcome, ServiceBusReceivedMessage message)
    {
        try
        {
            await settle();
            return outcome;
        }
        catch (ServiceBusException e) when (e.Reason == ServiceBusFailureReason.MessageLockLost)
        {
            LogLockLost(logger, message.MessageId, queue);
            return MessageOutcome.LockLost;
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Message {MessageId} on {Queue} failed on delivery {DeliveryCount}, abandoned for a retry: {Reason}")]
    private static partial void LogAbandoned(ILogger logger, string messageId, string queue, int deliveryCount, string reason);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "Message {MessageId} on {Queue} failed on delivery {DeliveryCount}, dead-lettered: {Reason}")]
    private static partial void LogDeadLettered(ILogger logger, string messageId, string queue, int deliveryCount, string reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Lost the lock of message {MessageId} on {Queue}; left to its next delivery")]
    private static partial void LogLockLost(ILogger logger, string messageId, string queue);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Shutting down: message {MessageId} on {Queue} did not finish in time and was abandoned")]
    private static partial void LogShutdownAbandon(ILogger logger, string messageId, string queue);
}
