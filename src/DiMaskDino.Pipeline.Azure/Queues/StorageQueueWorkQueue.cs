using System.Runtime.CompilerServices;
using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Azure.Storage.Queues.Specialized;
using DiMaskDino.Pipeline.Queues;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiMaskDino.Pipeline.Azure.Queues;

/// <summary>
/// <see cref="IWorkQueue"/> over an Azure Storage queue (or Azurite). The visibility timeout is the lock: a received
/// message is invisible for <see cref="LockDuration"/>; completing deletes it with its pop receipt, abandoning makes
/// it visible now, renewing extends the invisibility (each update gives a new pop receipt; the latest is kept). The
/// delivery count is the queue's dequeue count. Storage queues have no dead-letter queue: dead letters go to
/// <c>{name}-poison</c> (the Functions convention) as an envelope with the id, body, delivery count and reason, and a
/// message dequeued for the (<see cref="MaxDeliveryCount"/> + 1)-th time is moved there instead of being returned.
/// Storage queues have no duplicate detection (handlers are idempotent, see <see cref="IWorkQueue"/>). Our message id
/// travels in the body envelope, since Storage assigns its own ids.
/// <para>
/// The <see cref="QueueServiceClient"/> must be created with <see cref="CreateClientOptions"/> (base64 message
/// encoding, what the Functions queue trigger expects); a body that is not our envelope is dead-lettered with a
/// reason that says so. A stale lock is detected when the pop receipt no longer matches, that is once another
/// receiver got the message; a lock that ran out but was not handed on can still be renewed or completed.
/// </para>
/// </summary>
public sealed class StorageQueueWorkQueue : IWorkQueue
{
    /// <summary>The service returns at most this many messages per receive.</summary>
    public const int MaxMessagesPerReceive = 32;

    /// <summary>The service's limit on one message, after encoding.</summary>
    public const int MaxEncodedMessageLength = 64 * 1024;

    private static readonly TimeSpan PeekVisibility = TimeSpan.FromSeconds(30);

    private readonly QueueClient _queue;
    private readonly QueueClient _poison;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _creating = new(1, 1);
    private volatile bool _created;

    /// <param name="service">queue endpoint, created with <see cref="CreateClientOptions"/></param>
    /// <param name="name">queue name (3-63 of a-z, 0-9, '-')</param>
    /// <param name="maxDeliveryCount">deliveries before a message is moved to the poison queue</param>
    /// <param name="lockDuration">visibility timeout of a received message, whole seconds, at least one</param>
    /// <param name="pollInterval">pause between receive attempts while waiting (default one second)</param>
    public StorageQueueWorkQueue(
        QueueServiceClient service,
        string name,
        int maxDeliveryCount,
        TimeSpan lockDuration,
        TimeSpan? pollInterval = null,
        ILogger<StorageQueueWorkQueue>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDeliveryCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(lockDuration, TimeSpan.FromSeconds(1));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(lockDuration, TimeSpan.FromDays(7));
        Name = name;
        MaxDeliveryCount = maxDeliveryCount;
        LockDuration = TimeSpan.FromSeconds(Math.Floor(lockDuration.TotalSeconds));
        PollInterval = pollInterval ?? TimeSpan.FromSeconds(1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(PollInterval, TimeSpan.Zero, nameof(pollInterval));
        _queue = service.GetQueueClient(name);
        _poison = service.GetQueueClient(PoisonQueueName);
        _logger = logger ?? NullLogger<StorageQueueWorkQueue>.Instance;
    }

    public string Name { get; }

    public int MaxDeliveryCount { get; }

    /// <summary>The visibility timeout given to received messages.</summary>
    public TimeSpan LockDuration { get; }

    public TimeSpan PollInterval { get; }

    public string PoisonQueueName => Name + "-poison";

    /// <summary>Client options every <see cref="QueueServiceClient"/> used with this adapter must be created with.</summary>
    /// A received message that is not base64 (sent by another tool, or by hand) is moved to the queue's poison queue with
    /// the reason, instead of failing the whole receive on every attempt.
    public static QueueClientOptions CreateClientOptions()
    {
        var options = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
        options.MessageDecodingFailed += MoveUndecodableToPoisonAsync;
        return options;
    }

    /// <summary>Creates the queue and its poison queue where missing; the other methods call it once by themselves.</summary>
    public async Task EnsureCreatedAsync(CancellationToken cancellationToken = default)
    {
        if (_created)
        {
            return;
        }

        await _creating.WaitAsync(cancellationToken);
        try
        {
            if (!_created)
            {
                await _queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
                await _poison.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
                _created = true;
            }
        }
        finally
        {
            _creating.Release();
        }
    }

    public async Task SendAsync(IReadOnlyList<WorkMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var bodies = messages.Select(message =>
        {
            ArgumentNullException.ThrowIfNull(message);
            var body = new StorageQueueEnvelope(message.Id, message.Body.ToArray()).ToBinaryData();
            if ((body.ToMemory().Length + 2) / 3 * 4 > MaxEncodedMessageLength)
            {
                throw new ArgumentException(
                    $"message \"{message.Id}\" for queue \"{Name}\" is {message.Body.ToMemory().Length} bytes; Storage queue messages hold about 36 KB of body at most",
                    nameof(messages));
            }

            return body;
        }).ToList();

        await EnsureCreatedAsync(cancellationToken);

        // Storage queues take one message per request: send several at a time.
        await Parallel.ForEachAsync(
            bodies,
            new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (body, token) => await _queue.SendMessageAsync(body, cancellationToken: token));
    }

    public async Task<IReadOnlyList<IReceivedMessage>> ReceiveAsync(int maxMessages, TimeSpan maxWait, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxWait, TimeSpan.Zero);
        await EnsureCreatedAsync(cancellationToken);
        var deadline = DateTimeOffset.UtcNow + maxWait;
        while (true)
        {
            QueueMessage[] messages = (await _queue.ReceiveMessagesAsync(Math.Min(maxMessages, MaxMessagesPerReceive), LockDuration, cancellationToken)).Value;
            var delivered = new List<IReceivedMessage>(messages.Length);
            foreach (var message in messages)
            {
                if (StorageQueueEnvelope.TryRead(message.Body) is not { } envelope)
                {
                    QueueLog.UnreadableMessage(_logger, Name, message.MessageId);
                    await MoveToPoisonAsync(
                        message.MessageId,
                        message.PopReceipt,
                        new StorageQueueEnvelope(message.MessageId, message.Body.ToArray(), (int)message.DequeueCount, UnreadableReason),
                        cancellationToken);
                    continue;
                }

                if (message.DequeueCount > MaxDeliveryCount)
                {
                    var deliveries = (int)message.DequeueCount - 1;
                    QueueLog.MaxDeliveriesExceeded(_logger, Name, envelope.Id, deliveries);
                    await MoveToPoisonAsync(
                        message.MessageId,
                        message.PopReceipt,
                        envelope with { DeliveryCount = deliveries, Reason = DeadLetterReasons.MaxDeliveryCountExceeded },
                        cancellationToken);
                    continue;
                }

                delivered.Add(new StorageQueueDelivery(this, message, envelope));
            }

            if (delivered.Count > 0)
            {
                return delivered;
            }

            var remaining = deadline - DateTimeOffset.UtcNow;
            if (messages.Length > 0)
            {
                continue;
            }

            if (remaining <= TimeSpan.Zero)
            {
                return [];
            }

            await Task.Delay(remaining < PollInterval ? remaining : PollInterval, cancellationToken);
        }
    }

    /// <summary>
    /// Reads the whole poison queue. Storage can only peek at the first 32 messages, so this receives them instead,
    /// hiding each for up to 30 seconds while the enumeration runs, and makes them visible again at its end.
    /// </summary>
    public async IAsyncEnumerable<DeadLetteredMessage> PeekDeadLettersAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await EnsureCreatedAsync(cancellationToken);
        var hidden = new List<(string MessageId, string PopReceipt)>();
        try
        {
            while (true)
            {
                QueueMessage[] messages = (await _poison.ReceiveMessagesAsync(MaxMessagesPerReceive, PeekVisibility, cancellationToken)).Value;
                if (messages.Length == 0)
                {
                    yield break;
                }

                foreach (var message in messages)
                {
                    hidden.Add((message.MessageId, message.PopReceipt));
                    var envelope = StorageQueueEnvelope.TryRead(message.Body);
                    yield return envelope is null
                        ? new DeadLetteredMessage(message.MessageId, message.Body, (int)message.DequeueCount, UnreadableReason)
                        : new DeadLetteredMessage(envelope.Id, BinaryData.FromBytes(envelope.Body), envelope.DeliveryCount ?? 0, envelope.Reason ?? "");
                }
            }
        }
        finally
        {
            foreach (var (messageId, popReceipt) in hidden)
            {
                try
                {
                    await _poison.UpdateMessageAsync(messageId, popReceipt, (string?)null, TimeSpan.Zero, CancellationToken.None);
                }
                catch (RequestFailedException e) when (LockLost.Is(e))
                {
                    // Someone else received it after our 30 seconds ran out: it is visible to them already.
                }
            }
        }
    }

    internal const string NotBase64Reason = "MessageNotReadable: the message is not base64 (DiMaskDino queue messages are base64-encoded envelopes)";

    /// <summary>
    /// The SDK leaves a message it cannot decode out of the received batch and hands it here, raw: copied to
    /// <c>{queue}-poison</c> as an envelope with the reason (body: the message text as received), then deleted.
    /// Peeked messages are only looked at, never moved.
    /// </summary>
    private static async Task MoveUndecodableToPoisonAsync(QueueMessageDecodingFailedEventArgs args)
    {
        if (args.ReceivedMessage is not { } message)
        {
            return;
        }

        var queue = args.Queue;
        var poison = queue.GetParentQueueServiceClient().GetQueueClient(queue.Name + "-poison");
        var envelope = new StorageQueueEnvelope(message.MessageId, message.Body.ToArray(), (int)message.DequeueCount, NotBase64Reason);
        if (args.IsRunningSynchronously)
        {
            poison.CreateIfNotExists(cancellationToken: args.CancellationToken);
            poison.SendMessage(envelope.ToBinaryData(), cancellationToken: args.CancellationToken);
            queue.DeleteMessage(message.MessageId, message.PopReceipt, args.CancellationToken);
            return;
        }

        await poison.CreateIfNotExistsAsync(cancellationToken: args.CancellationToken);
        await poison.SendMessageAsync(envelope.ToBinaryData(), cancellationToken: args.CancellationToken);
        await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, args.CancellationToken);
    }

    internal const string UnreadableReason = "MessageNotReadable: the body is not a DiMaskDino queue envelope (is the QueueServiceClient created with StorageQueueWorkQueue.CreateClientOptions()?)";

    internal QueueClient Queue => _queue;

    /// <summary>Copies a message to the poison queue, then deletes the original (in that order: a failure in between leaves a duplicate, never a loss).</summary>
    internal async Task MoveToPoisonAsync(string messageId, string popReceipt, StorageQueueEnvelope poisonEnvelope, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync(cancellationToken);
        await _poison.SendMessageAsync(poisonEnvelope.ToBinaryData(), cancellationToken: cancellationToken);
        await LockLost.TranslateAsync(
            () => _queue.DeleteMessageAsync(messageId, popReceipt, cancellationToken),
            Name,
            poisonEnvelope.Id);
    }
}
