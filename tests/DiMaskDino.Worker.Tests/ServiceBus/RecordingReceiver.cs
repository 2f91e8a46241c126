using Azure.Messaging.ServiceBus;

namespace DiMaskDino.Worker.Tests.ServiceBus;

/// <summary>
/// The only mock of the test suite (no Service Bus emulator can run here): a <see cref="ServiceBusReceiver"/> through the
/// SDK's protected constructor that records how messages were settled, and can fail settling the way the broker does.
/// </summary>
internal sealed class RecordingReceiver : ServiceBusReceiver
{
    public List<string> Settlements { get; } = [];

    public string? DeadLetterReason { get; private set; }

    public string? DeadLetterDescription { get; private set; }

    /// <summary>Thrown by every settle call when set (e.g. a lost lock).</summary>
    public Exception? SettleFailure { get; set; }

    public override Task CompleteMessageAsync(ServiceBusReceivedMessage message, CancellationToken cancellationToken = default) => Settle("complete");

    public override Task AbandonMessageAsync(
        ServiceBusReceivedMessage message, IDictionary<string, object>? propertiesToModify = null, CancellationToken cancellationToken = default) =>
        Settle("abandon");

    public override Task DeadLetterMessageAsync(
        ServiceBusReceivedMessage message, string deadLetterReason, string? deadLetterErrorDescription = null, CancellationToken cancellationToken = default)
    {
        (DeadLetterReason, DeadLetterDescription) = (deadLetterReason, deadLetterErrorDescription);
        return Settle("dead-letter");
    }

    public override Task DeadLetterMessageAsync(
        ServiceBusReceivedMessage message,
        IDictionary<string, object>? propertiesToModify,
        string deadLetterReason,
        string? deadLetterErrorDescription = null,
        CancellationToken cancellationToken = default)
    {
        (DeadLetterReason, DeadLetterDescription) = (deadLetterReason, deadLetterErrorDescription);
        return Settle("dead-letter");
    }

    public override Task DeadLetterMessageAsync(
        ServiceBusReceivedMessage message, IDictionary<string, object>? propertiesToModify = null, CancellationToken cancellationToken = default) =>
        Settle("dead-letter");

    private Task Settle(string how)
    {
        if (SettleFailure is { } failure)
        {
            return Task.FromException(failure);
        }

        Settlements.Add(how);
        return Task.CompletedTask;
    }
}

/// <summary>Event args whose lock-lost event a test can raise, as the processor does when renewing the lock fails.</summary>
internal sealed class TestProcessMessageEventArgs(ServiceBusReceivedMessage message, ServiceBusReceiver receiver, CancellationToken cancellationToken)
    : ProcessMessageEventArgs(message, receiver, cancellationToken)
{
    public Task LoseLockAsync() =>
        OnMessageLockLostAsync(new MessageLockLostEventArgs(Message, new ServiceBusException("lock lost", ServiceBusFailureReason.MessageLockLost)));
}
