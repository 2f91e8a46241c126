using DiMaskDino.Pipeline.Queues;
using Microsoft.Extensions.Logging;

namespace DiMaskDino.Pipeline.Workers;

/// <summary>What a queue host does with a received message once its handler has run.</summary>
public enum SettlementAction
{
    /// <summary>Done: the message is removed.</summary>
    Complete,

    /// <summary>Given back for another delivery.</summary>
    Abandon,

    /// <summary>Moved to the dead letters with <see cref="Settlement.Reason"/>.</summary>
    DeadLetter,

    /// <summary>Not touched: the lock was lost, so another receiver may hold the message; it comes back by itself.</summary>
    LeaveAlone,
}

/// <summary>
/// The one settlement rule of every queue host (<see cref="QueueWorker"/> over any <see cref="IWorkQueue"/>, the
/// Worker's Service Bus handler): <see cref="Decide"/> chooses, <see cref="ApplyAsync"/> carries it out with the host's
/// own client, <see cref="Log"/> reports it.
/// </summary>
/// <param name="Action">what to do with the message</param>
/// <param name="Reason">the failure on one line (for a dead letter: the reason to store), null on success, stop or lost lock</param>
/// <param name="ReasonCode">for a dead letter: <see cref="PoisonMessageException.Reason"/> or <see cref="ProcessingFailed"/> (Service Bus's reason field)</param>
public sealed record Settlement(SettlementAction Action, string? Reason = null, string? ReasonCode = null)
{
    /// <summary>The dead-letter reason code of a message that failed on its last delivery.</summary>
    public const string ProcessingFailed = "ProcessingFailed";

    /// <summary>
    /// How to settle a message whose handler ended as described, in this order: a lost lock leaves it alone (even after
    /// a success: completing would fail, and the next receiver finds the work done); a run cancelled because the host
    /// is stopping abandons it; success completes it; a <see cref="PoisonMessageException"/> dead-letters it at once with
    /// its message as the reason; a failure the broker itself calls transient abandons it (the broker dead-letters it
    /// after its maximum); any other failure abandons it, or dead-letters it with <c>"{ExceptionType}: {message}"</c> on
    /// the delivery that reaches <paramref name="maxDeliveryCount"/>, so the reason names the real problem.
    /// </summary>
    /// <param name="failure">the handler's exception, null when it succeeded (or was cancelled)</param>
    /// <param name="lockLost">the message's lock was lost while the handler ran</param>
    /// <param name="stopped">the handler was cancelled because the host is stopping</param>
    /// <param name="deliveryCount">this delivery, counted from 1</param>
    /// <param name="maxDeliveryCount">the queue's deliveries before dead-lettering</param>
    /// <param name="transient">the failure is the broker's own and transient (e.g. a busy Service Bus)</param>
    public static Settlement Decide(Exception? failure, bool lockLost, bool stopped, int deliveryCount, int maxDeliveryCount, bool transient = false)
    {
        if (lockLost)
        {
            return new Settlement(SettlementAction.LeaveAlone);
        }

        if (stopped)
        {
            return new Settlement(SettlementAction.Abandon);
        }

        if (failure is null)
        {
            return new Settlement(SettlementAction.Complete);
        }

        if (failure is PoisonMessageException)
        {
            return new Settlement(SettlementAction.DeadLetter, OneLine(failure.Message), PoisonMessageException.Reason);
        }

        var reason = OneLine($"{failure.GetType().Name}: {failure.Message}");
        return transient || deliveryCount < maxDeliveryCount
            ? new Settlement(SettlementAction.Abandon, reason)
            : new Settlement(SettlementAction.DeadLetter, reason, ProcessingFailed);
    }

    /// <summary>The settlement when settling itself found the lock lost: the message is left to its next delivery.</summary>
    public static Settlement LockLostWhileSettling { get; } = new(SettlementAction.LeaveAlone);

    /// <summary>
    /// Carries out this settlement with a host's own client; when settling finds the lock gone (<paramref name="isLockLost"/>),
    /// the result is <see cref="LockLostWhileSettling"/> and the message is left to its next delivery.
    /// </summary>
    public async Task<Settlement> ApplyAsync(Func<Task> complete, Func<Task> abandon, Func<Task> deadLetter, Func<Exception, bool> isLockLost)
    {
        ArgumentNullException.ThrowIfNull(isLockLost);
        try
        {
            await (Action switch
            {
                SettlementAction.Complete => complete(),
                SettlementAction.Abandon => abandon(),
                SettlementAction.DeadLetter => deadLetter(),
                _ => Task.CompletedTask,
            });
            return this;
        }
        catch (Exception e) when (isLockLost(e))
        {
            return LockLostWhileSettling;
        }
    }

    /// <summary>Logs what was decided (nothing for a plain completion).</summary>
    public void Log(ILogger logger, string messageId, string queue, int deliveryCount)
    {
        switch (Action)
        {
            case SettlementAction.Abandon when Reason is null:
                SettlementLog.StopAbandoned(logger, messageId, queue);
                break;
            case SettlementAction.Abandon:
                SettlementLog.Abandoned(logger, messageId, queue, deliveryCount, Reason);
                break;
            case SettlementAction.DeadLetter:
                SettlementLog.DeadLettered(logger, messageId, queue, deliveryCount, Reason!);
                break;
            case SettlementAction.LeaveAlone:
                SettlementLog.LockLost(logger, messageId, queue);
                break;
        }
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}

internal static partial class SettlementLog
{
    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "Message {MessageId} on {Queue} failed on delivery {DeliveryCount}, abandoned for a retry: {Reason}")]
    public static partial void Abandoned(ILogger logger, string messageId, string queue, int deliveryCount, string reason);

    [LoggerMessage(EventId = 102, Level = LogLevel.Error, Message = "Message {MessageId} on {Queue} failed on delivery {DeliveryCount}, dead-lettered: {Reason}")]
    public static partial void DeadLettered(ILogger logger, string messageId, string queue, int deliveryCount, string reason);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "Lost the lock of message {MessageId} on {Queue}; left to its next delivery")]
    public static partial void LockLost(ILogger logger, string messageId, string queue);

    [LoggerMessage(EventId = 104, Level = LogLevel.Information, Message = "Stopping: message {MessageId} on {Queue} was cancelled and abandoned for its next delivery")]
    public static partial void StopAbandoned(ILogger logger, string messageId, string queue);
}
