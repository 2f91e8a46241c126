namespace DiMaskDino.Pipeline.Queues;

/// <summary>One delivery of a message, settled exactly once by one of the methods below.</summary>
public interface IReceivedMessage
{
    string Id { get; }

    BinaryData Body { get; }

    /// <summary>1 on the first delivery.</summary>
    int DeliveryCount { get; }

    /// <summary>When the lock (visibility timeout) runs out unless renewed.</summary>
    DateTimeOffset LockedUntil { get; }

    /// <summary>Done: the message is removed.</summary>
    Task CompleteAsync(CancellationToken cancellationToken = default);

    /// <summary>Give it back now for another delivery (or dead-lettering once the count is reached).</summary>
    Task AbandonAsync(CancellationToken cancellationToken = default);

    /// <summary>Move it to the dead-letter (poison) queue with a reason.</summary>
    Task DeadLetterAsync(string reason, CancellationToken cancellationToken = default);

    /// <summary>Extends the lock; throws <see cref="MessageLockLostException"/> when the message was already given to someone else.</summary>
    Task RenewLockAsync(CancellationToken cancellationToken = default);
}
