namespace DiMaskDino.Pipeline.Queues;

/// <summary>
/// The work-queue port: in-process, Azure Storage Queue or Azure Service Bus. Delivery is at least once: a received
/// message stays invisible to other receivers until it is completed, abandoned or its lock runs out, and returns with
/// a higher <see cref="IReceivedMessage.DeliveryCount"/> when not completed. After <see cref="MaxDeliveryCount"/>
/// deliveries a message is dead-lettered (a poison queue where the broker has no dead-letter queue) instead of being
/// delivered again. Sending a message whose <see cref="WorkMessage.Id"/> was sent before, within the duplicate
/// window, may be dropped (Service Bus duplicate detection); handlers must be idempotent either way.
/// </summary>
public interface IWorkQueue
{
    /// <summary>The queue's name, for logs and errors.</summary>
    string Name { get; }

    /// <summary>Deliveries after which a message is dead-lettered.</summary>
    int MaxDeliveryCount { get; }

    /// <summary>Sends messages, in batches where the broker supports them.</summary>
    Task SendAsync(IReadOnlyList<WorkMessage> messages, CancellationToken cancellationToken = default);

    /// <summary>
    /// Receives up to <paramref name="maxMessages"/> messages, waiting at most <paramref name="maxWait"/> for the first;
    /// an empty list when none arrived.
    /// </summary>
    Task<IReadOnlyList<IReceivedMessage>> ReceiveAsync(int maxMessages, TimeSpan maxWait, CancellationToken cancellationToken = default);

    /// <summary>Messages that were dead-lettered (poisoned), for the janitor and for tests; streamed, not removed.</summary>
    IAsyncEnumerable<DeadLetteredMessage> PeekDeadLettersAsync(CancellationToken cancellationToken = default);
}
