using System.Collections.Concurrent;
using Azure.Messaging.ServiceBus;
using DiMaskDino.Pipeline.Queues;

namespace DiMaskDino.Pipeline.Azure.Tests.Queues.FakeServiceBus;

/// <summary>
/// A Service Bus namespace in memory, for the only adapter that cannot run against the real thing here (no emulator
/// without Docker). Queue semantics (peek-lock, delivery count, dead-lettering at MaxDeliveryCount, duplicate
/// detection by MessageId) come from <see cref="InProcessWorkQueue"/>, which models a Service Bus queue and has its own
/// tests; this class only speaks the SDK's types through its mockable clients (<see cref="FakeServiceBusClient"/>,
/// <see cref="FakeServiceBusSender"/>, <see cref="FakeServiceBusReceiver"/>) and <see cref="ServiceBusModelFactory"/>.
/// </summary>
public sealed class FakeServiceBusBroker(int maxDeliveryCount, TimeSpan lockDuration, int maxMessagesPerBatch = 10)
{
    private readonly ConcurrentDictionary<string, InProcessWorkQueue> _queues = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Guid, IReceivedMessage> _locks = new();
    private int _sendFaults;
    private int _receiveFaults;
    private int _batchesSent;
    private long _sequence;

    public int MaxMessagesPerBatch { get; } = maxMessagesPerBatch;

    /// <summary>Batches the senders have sent so far.</summary>
    public int BatchesSent => _batchesSent;

    public ServiceBusClient CreateClient() => new FakeServiceBusClient(this);

    /// <summary>The next <paramref name="count"/> sends fail with a transient <see cref="ServiceBusException"/> (as after the SDK's retries).</summary>
    public void FailNextSends(int count) => Interlocked.Exchange(ref _sendFaults, count);

    /// <summary>The next <paramref name="count"/> receives fail with a transient <see cref="ServiceBusException"/>.</summary>
    public void FailNextReceives(int count) => Interlocked.Exchange(ref _receiveFaults, count);

    internal InProcessWorkQueue Queue(string name) =>
        _queues.GetOrAdd(name, n => new InProcessWorkQueue(n, maxDeliveryCount, lockDuration, TimeSpan.FromMinutes(10)));

    internal async Task SendAsync(string queue, IReadOnlyList<ServiceBusMessage> messages, CancellationToken cancellationToken)
    {
        ThrowIfFaulted(ref _sendFaults, queue);
        Interlocked.Increment(ref _batchesSent);
        await Queue(queue).SendAsync([.. messages.Select(m => new WorkMessage(m.MessageId, m.Body))], cancellationToken);
    }

    internal async Task<IReadOnlyList<ServiceBusReceivedMessage>> ReceiveAsync(string queue, int maxMessages, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        ThrowIfFaulted(ref _receiveFaults, queue);
        var received = await Queue(queue).ReceiveAsync(maxMessages, maxWait, cancellationToken);
        return [.. received.Select(delivery =>
        {
            var lockToken = Guid.NewGuid();
            _locks[lockToken] = delivery;
            return ServiceBusModelFactory.ServiceBusReceivedMessage(
                body: delivery.Body,
                messageId: delivery.Id,
                lockTokenGuid: lockToken,
                deliveryCount: delivery.DeliveryCount,
                lockedUntil: delivery.LockedUntil,
                sequenceNumber: Interlocked.Increment(ref _sequence),
                enqueuedTime: DateTimeOffset.UtcNow);
        })];
    }

    /// <summary>Runs a settlement on the delivery behind a lock token, answering a lost lock the way Service Bus does.</summary>
    internal async Task WithLockAsync(string queue, ServiceBusReceivedMessage message, Func<IReceivedMessage, Task> action)
    {
        if (!_locks.TryGetValue(Guid.Parse(message.LockToken), out var delivery))
        {
            throw LockLost(queue);
        }

        try
        {
            await action(delivery);
        }
        catch (MessageLockLostException)
        {
            throw LockLost(queue);
        }
    }

    internal async Task<IReadOnlyList<ServiceBusReceivedMessage>> PeekDeadLettersAsync(string queue, int maxMessages, long? fromSequenceNumber, CancellationToken cancellationToken)
    {
        // Dead letters only ever get appended, so their position is a stable sequence number.
        var result = new List<ServiceBusReceivedMessage>();
        long sequence = 0;
        await foreach (var dead in Queue(queue).PeekDeadLettersAsync(cancellationToken))
        {
            sequence++;
            if (sequence < (fromSequenceNumber ?? 0) || result.Count == maxMessages)
            {
                continue;
            }

            result.Add(ServiceBusModelFactory.ServiceBusReceivedMessage(
                body: dead.Body,
                messageId: dead.Id,
                deliveryCount: dead.DeliveryCount,
                sequenceNumber: sequence,
                properties: new Dictionary<string, object> { ["DeadLetterReason"] = dead.Reason },
                serviceBusMessageState: ServiceBusMessageState.Active));
        }

        return result;
    }

    private static ServiceBusException LockLost(string queue) =>
        new("The lock supplied is invalid. Either the lock expired, or the message has already been removed from the queue.", ServiceBusFailureReason.MessageLockLost, queue);

    private static void ThrowIfFaulted(ref int faults, string queue)
    {
        if (Interlocked.Decrement(ref faults) >= 0)
        {
            throw new ServiceBusException(isTransient: true, "The service is busy (injected).", queue, ServiceBusFailureReason.ServiceBusy);
        }

        Interlocked.Exchange(ref faults, 0);
    }
}
