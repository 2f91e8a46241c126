using Azure.Messaging.ServiceBus;
using DiMaskDino.Pipeline.Queues;

namespace DiMaskDino.Pipeline.Azure.Queues;

/// <summary>One peek-locked Service Bus message; the receiver settles it by lock token.</summary>
internal sealed class ServiceBusDelivery(ServiceBusReceiver receiver, ServiceBusReceivedMessage message, string queue) : IReceivedMessage
{
    public string Id => message.MessageId;

    public BinaryData Body => message.Body;

    public int DeliveryCount => message.DeliveryCount;

    /// <summary>The SDK moves the message's own LockedUntil forward on every renewal.</summary>
    public DateTimeOffset LockedUntil => message.LockedUntil;

    public Task CompleteAsync(CancellationToken cancellationToken = default) =>
        TranslateAsync(() => receiver.CompleteMessageAsync(message, cancellationToken));

    public Task AbandonAsync(CancellationToken cancellationToken = default) =>
        TranslateAsync(() => receiver.AbandonMessageAsync(message, cancellationToken: cancellationToken));

    public Task DeadLetterAsync(string reason, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return TranslateAsync(() => receiver.DeadLetterMessageAsync(message, reason, cancellationToken: cancellationToken));
    }

    public Task RenewLockAsync(CancellationToken cancellationToken = default) =>
        TranslateAsync(() => receiver.RenewMessageLockAsync(message, cancellationToken));

    private async Task TranslateAsync(Func<Task> call)
    {
        try
        {
            await call();
        }
        catch (ServiceBusException e) when (e.Reason == ServiceBusFailureReason.MessageLockLost)
        {
            throw new MessageLockLostException(
                $"the lock on message \"{Id}\" in queue \"{queue}\" expired or the message was settled elsewhere; it may be delivered again",
                e);
        }
    }
}
