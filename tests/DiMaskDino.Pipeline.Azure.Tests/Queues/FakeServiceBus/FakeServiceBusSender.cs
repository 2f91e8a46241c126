using System.Runtime.CompilerServices;
using Azure.Messaging.ServiceBus;

namespace DiMaskDino.Pipeline.Azure.Tests.Queues.FakeServiceBus;

/// <summary>The SDK's sender, subclassed: batches come from <see cref="ServiceBusModelFactory.ServiceBusMessageBatch"/> and hold at most the broker's batch size.</summary>
internal sealed class FakeServiceBusSender(FakeServiceBusBroker broker, string queue) : ServiceBusSender
{
    private const long MaxBatchBytes = 256 * 1024;
    private readonly ConditionalWeakTable<ServiceBusMessageBatch, List<ServiceBusMessage>> _contents = [];

    public override string EntityPath => queue;

    public override ValueTask<ServiceBusMessageBatch> CreateMessageBatchAsync(CancellationToken cancellationToken = default) =>
        CreateMessageBatchAsync(new CreateMessageBatchOptions(), cancellationToken);

    public override ValueTask<ServiceBusMessageBatch> CreateMessageBatchAsync(CreateMessageBatchOptions options, CancellationToken cancellationToken = default)
    {
        var contents = new List<ServiceBusMessage>();
        long bytes = 0;
        var batch = ServiceBusModelFactory.ServiceBusMessageBatch(
            MaxBatchBytes,
            contents,
            new CreateMessageBatchOptions { MaxSizeInBytes = MaxBatchBytes },
            message =>
            {
                var size = message.Body.ToMemory().Length + 64;
                if (contents.Count >= broker.MaxMessagesPerBatch || bytes + size > MaxBatchBytes)
                {
                    return false;
                }

                bytes += size;
                return true;
            });
        _contents.Add(batch, contents);
        return ValueTask.FromResult(batch);
    }

    public override Task SendMessagesAsync(ServiceBusMessageBatch messageBatch, CancellationToken cancellationToken = default) =>
        _contents.TryGetValue(messageBatch, out var contents)
            ? broker.SendAsync(queue, [.. contents], cancellationToken)
            : throw new InvalidOperationException("the batch was not created by this sender");

    public override Task SendMessagesAsync(IEnumerable<ServiceBusMessage> messages, CancellationToken cancellationToken = default) =>
        broker.SendAsync(queue, [.. messages], cancellationToken);

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
