using Azure.Storage.Queues.Models;
using DiMaskDino.Pipeline.Queues;

namespace DiMaskDino.Pipeline.Azure.Queues;

/// <summary>One delivery from a Storage queue: the Storage message id and the latest pop receipt are the lock.</summary>
internal sealed class StorageQueueDelivery(StorageQueueWorkQueue queue, QueueMessage message, StorageQueueEnvelope envelope) : IReceivedMessage
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private string _popReceipt = message.PopReceipt;
    private bool _settled;

    public string Id => envelope.Id;

    public BinaryData Body { get; } = BinaryData.FromBytes(envelope.Body);

    public int DeliveryCount { get; } = (int)message.DequeueCount;

    public DateTimeOffset LockedUntil { get; private set; } = message.NextVisibleOn ?? DateTimeOffset.UtcNow + queue.LockDuration;

    public Task CompleteAsync(CancellationToken cancellationToken = default) =>
        SettleAsync(popReceipt => LockLost.TranslateAsync(() => queue.Queue.DeleteMessageAsync(message.MessageId, popReceipt, cancellationToken), queue.Name, Id));

    public Task AbandonAsync(CancellationToken cancellationToken = default)
    {
        // Like Service Bus: giving back the last allowed delivery dead-letters at once rather than at the next receive.
        if (DeliveryCount >= queue.MaxDeliveryCount)
        {
            return SettleAsync(popReceipt => queue.MoveToPoisonAsync(
                message.MessageId,
                popReceipt,
                envelope with { DeliveryCount = DeliveryCount, Reason = DeadLetterReasons.MaxDeliveryCountExceeded },
                cancellationToken));
        }

        return SettleAsync(popReceipt => LockLost.TranslateAsync(
            () => queue.Queue.UpdateMessageAsync(message.MessageId, popReceipt, (string?)null, TimeSpan.Zero, cancellationToken),
            queue.Name,
            Id));
    }

    public Task DeadLetterAsync(string reason, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return SettleAsync(popReceipt => queue.MoveToPoisonAsync(
            message.MessageId,
            popReceipt,
            envelope with { DeliveryCount = DeliveryCount, Reason = reason },
            cancellationToken));
    }

    public async Task RenewLockAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            ThrowIfSettled();
            var receipt = (await LockLost.TranslateAsync(
                () => queue.Queue.UpdateMessageAsync(message.MessageId, _popReceipt, (string?)null, queue.LockDuration, cancellationToken),
                queue.Name,
                Id)).Value;
            _popReceipt = receipt.PopReceipt;
            LockedUntil = receipt.NextVisibleOn;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Runs one settling call with the latest pop receipt; a delivery settles once.</summary>
    private async Task SettleAsync(Func<string, Task> settle)
    {
        await _gate.WaitAsync();
        try
        {
            ThrowIfSettled();
            await settle(_popReceipt);
            _settled = true;
        }
        finally
        {
            _gate.Release();
        }
    }

    private void ThrowIfSettled()
    {
        if (_settled)
        {
            throw new MessageLockLostException($"message \"{Id}\" in queue \"{queue.Name}\" was already settled by this receiver");
        }
    }
}
