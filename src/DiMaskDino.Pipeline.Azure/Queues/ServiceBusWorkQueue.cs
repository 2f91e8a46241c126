using System.Runtime.CompilerServices;
using Azure.Messaging.ServiceBus;
using DiMaskDino.Pipeline.Queues;

namespace DiMaskDino.Pipeline.Azure.Queues;

/// <summary>
/// <see cref="IWorkQueue"/> over an Azure Service Bus queue in peek-lock mode (no sessions). Lock duration, maximum
/// delivery count, dead-lettering on expiry and duplicate detection are properties of the queue itself (set in Bicep);
/// this adapter sets <c>MessageId</c> = <see cref="WorkMessage.Id"/> so duplicate detection applies, sends in batches
/// sized by the broker, renews locks, and reads dead letters from the <c>$deadletterqueue</c> sub-queue.
/// <see cref="MaxDeliveryCount"/> must equal the queue's setting (<c>Pipeline__MaxDeliveryCount</c> matches Bicep).
/// Transient broker errors are retried by the SDK (<see cref="ServiceBusClientOptions.RetryOptions"/>); what still
/// fails surfaces as <see cref="ServiceBusException"/>, a lost lock as <see cref="MessageLockLostException"/>.
/// </summary>
public sealed class ServiceBusWorkQueue : IWorkQueue, IAsyncDisposable
{
    private const int PeekPageSize = 100;

    private readonly ServiceBusSender _sender;
    private readonly ServiceBusReceiver _receiver;
    private readonly ServiceBusReceiver _deadLetters;

    /// <param name="client">the namespace connection (owned by the caller, who disposes it)</param>
    /// <param name="name">queue name</param>
    /// <param name="maxDeliveryCount">the queue's MaxDeliveryCount</param>
    public ServiceBusWorkQueue(ServiceBusClient client, string name, int maxDeliveryCount)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDeliveryCount, 1);
        Name = name;
        MaxDeliveryCount = maxDeliveryCount;
        _sender = client.CreateSender(name);
        _receiver = client.CreateReceiver(name, new ServiceBusReceiverOptions { ReceiveMode = ServiceBusReceiveMode.PeekLock });
        _deadLetters = client.CreateReceiver(name, new ServiceBusReceiverOptions
        {
            ReceiveMode = ServiceBusReceiveMode.PeekLock,
            SubQueue = SubQueue.DeadLetter,
        });
    }

    public string Name { get; }

    public int MaxDeliveryCount { get; }

    public async Task SendAsync(IReadOnlyList<WorkMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var pending = 0;
        var batch = await _sender.CreateMessageBatchAsync(cancellationToken);
        try
        {
            foreach (var message in messages)
            {
                ArgumentNullException.ThrowIfNull(message);
                var busMessage = new ServiceBusMessage(message.Body) { MessageId = message.Id };
                if (batch.TryAddMessage(busMessage))
                {
                    pending++;
                    continue;
                }

                if (pending == 0)
                {
                    throw new ArgumentException(
                        $"message \"{message.Id}\" ({message.Body.ToMemory().Length} bytes) does not fit in one Service Bus batch of queue \"{Name}\" (at most {batch.MaxSizeInBytes} bytes)",
                        nameof(messages));
                }

                await _sender.SendMessagesAsync(batch, cancellationToken);
                batch.Dispose();
                batch = await _sender.CreateMessageBatchAsync(cancellationToken);
                pending = 0;
                if (!batch.TryAddMessage(busMessage))
                {
                    throw new ArgumentException(
                        $"message \"{message.Id}\" ({message.Body.ToMemory().Length} bytes) does not fit in one Service Bus batch of queue \"{Name}\" (at most {batch.MaxSizeInBytes} bytes)",
                        nameof(messages));
                }

                pending++;
            }

            if (pending > 0)
            {
                await _sender.SendMessagesAsync(batch, cancellationToken);
            }
        }
        finally
        {
            batch.Dispose();
        }
    }

    public async Task<IReadOnlyList<IReceivedMessage>> ReceiveAsync(int maxMessages, TimeSpan maxWait, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxWait, TimeSpan.Zero);

        // The SDK treats a zero wait as "use the retry policy's try timeout"; ask for the shortest real wait instead.
        var wait = maxWait > TimeSpan.Zero ? maxWait : TimeSpan.FromMilliseconds(1);
        var messages = await _receiver.ReceiveMessagesAsync(maxMessages, wait, cancellationToken);
        return [.. messages.Select(message => new ServiceBusDelivery(_receiver, message, Name))];
    }

    public async IAsyncEnumerable<DeadLetteredMessage> PeekDeadLettersAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        long? from = null;
        while (true)
        {
            var page = await _deadLetters.PeekMessagesAsync(PeekPageSize, from, cancellationToken);
            if (page.Count == 0)
            {
                yield break;
            }

            foreach (var message in page)
            {
                yield return new DeadLetteredMessage(message.MessageId, message.Body, message.DeliveryCount, message.DeadLetterReason ?? "");
            }

            from = page[^1].SequenceNumber + 1;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _sender.DisposeAsync();
        await _receiver.DisposeAsync();
        await _deadLetters.DisposeAsync();
    }
}
