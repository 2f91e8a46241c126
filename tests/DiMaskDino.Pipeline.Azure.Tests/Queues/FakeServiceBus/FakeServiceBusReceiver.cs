using Azure.Messaging.ServiceBus;

namespace DiMaskDino.Pipeline.Azure.Tests.Queues.FakeServiceBus;

/// <summary>The SDK's receiver, subclassed: peek-lock receives and settlements by lock token on the fake broker; with <c>deadLetters</c> it is the <c>$deadletterqueue</c> sub-queue.</summary>
internal sealed class FakeServiceBusReceiver(FakeServiceBusBroker broker, string queue, bool deadLetters) : ServiceBusReceiver
{
    /// <summary>Where the SDK keeps a received message's lock expiry (its LockedUntil reads this annotation).</summary>
    private const string LockedUntilAnnotation = "x-opt-locked-until";

    public override string EntityPath => deadLetters ? queue + "/$deadletterqueue" : queue;

    public override ServiceBusReceiveMode ReceiveMode => ServiceBusReceiveMode.PeekLock;

    public override Task<IReadOnlyList<ServiceBusReceivedMessage>> ReceiveMessagesAsync(int maxMessages, TimeSpan? maxWaitTime = null, CancellationToken cancellationToken = default)
    {
        // The SDK refuses a wait that is not positive.
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(maxWaitTime ?? TimeSpan.FromMinutes(1), TimeSpan.Zero, nameof(maxWaitTime));
        ThrowIfDeadLetterReceiver();
        return broker.ReceiveAsync(queue, maxMessages, maxWaitTime ?? TimeSpan.FromMinutes(1), cancellationToken);
    }

    public override Task<IReadOnlyList<ServiceBusReceivedMessage>> PeekMessagesAsync(int maxMessages, long? fromSequenceNumber = null, CancellationToken cancellationToken = default) =>
        deadLetters
            ? broker.PeekDeadLettersAsync(queue, maxMessages, fromSequenceNumber, cancellationToken)
            : throw new NotSupportedException("the fake broker peeks only dead letters");

    public override Task CompleteMessageAsync(ServiceBusReceivedMessage message, CancellationToken cancellationToken = default) =>
        broker.WithLockAsync(queue, message, delivery => delivery.CompleteAsync(cancellationToken));

    public override Task AbandonMessageAsync(ServiceBusReceivedMessage message, IDictionary<string, object>? propertiesToModify = null, CancellationToken cancellationToken = default) =>
        broker.WithLockAsync(queue, message, delivery => delivery.AbandonAsync(cancellationToken));

    public override Task DeadLetterMessageAsync(ServiceBusReceivedMessage message, string deadLetterReason, string? deadLetterErrorDescription = null, CancellationToken cancellationToken = default) =>
        broker.WithLockAsync(queue, message, delivery => delivery.DeadLetterAsync(deadLetterReason, cancellationToken));

    public override Task DeadLetterMessageAsync(ServiceBusReceivedMessage message, IDictionary<string, object>? propertiesToModify = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("the adapter always gives a reason");

    public override Task DeadLetterMessageAsync(ServiceBusReceivedMessage message, IDictionary<string, object>? propertiesToModify, string deadLetterReason, string? deadLetterErrorDescription = null, CancellationToken cancellationToken = default) =>
        DeadLetterMessageAsync(message, deadLetterReason, deadLetterErrorDescription, cancellationToken);

    public override Task RenewMessageLockAsync(ServiceBusReceivedMessage message, CancellationToken cancellationToken = default) =>
        broker.WithLockAsync(queue, message, async delivery =>
        {
            await delivery.RenewLockAsync(cancellationToken);
            message.GetRawAmqpMessage().MessageAnnotations[LockedUntilAnnotation] = delivery.LockedUntil.UtcDateTime;
        });

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private void ThrowIfDeadLetterReceiver()
    {
        if (deadLetters)
        {
            throw new NotSupportedException("the adapter only peeks the dead-letter sub-queue");
        }
    }
}
