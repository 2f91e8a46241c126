using Azure.Messaging.ServiceBus;

namespace DiMaskDino.Pipeline.Azure.Tests.Queues.FakeServiceBus;

/// <summary>The SDK's client, subclassed through its protected constructor: hands out senders and receivers on the fake broker.</summary>
internal sealed class FakeServiceBusClient(FakeServiceBusBroker broker) : ServiceBusClient
{
    public override string FullyQualifiedNamespace => "fake.servicebus.windows.net";

    public override ServiceBusSender CreateSender(string queueOrTopicName) => new FakeServiceBusSender(broker, queueOrTopicName);

    public override ServiceBusSender CreateSender(string queueOrTopicName, ServiceBusSenderOptions options) => new FakeServiceBusSender(broker, queueOrTopicName);

    public override ServiceBusReceiver CreateReceiver(string queueName) => new FakeServiceBusReceiver(broker, queueName, deadLetters: false);

    public override ServiceBusReceiver CreateReceiver(string queueName, ServiceBusReceiverOptions options) =>
        new FakeServiceBusReceiver(broker, queueName, deadLetters: options.SubQueue == SubQueue.DeadLetter);

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
