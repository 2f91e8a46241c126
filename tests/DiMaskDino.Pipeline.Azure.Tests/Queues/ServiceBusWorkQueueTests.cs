using Azure.Messaging.ServiceBus;
using DiMaskDino.Pipeline.Azure.Queues;
using DiMaskDino.Pipeline.Azure.Tests.Queues.FakeServiceBus;
using DiMaskDino.Pipeline.Queues;
using DiMaskDino.Pipeline.Tests.Queues;

namespace DiMaskDino.Pipeline.Azure.Tests.Queues;

/// <summary>The shared queue contract, run against the Service Bus adapter on the SDK's mockable clients, plus what only Service Bus does.</summary>
public sealed class ServiceBusWorkQueueTests : WorkQueueContract
{
    protected override TimeSpan Settling => TimeSpan.FromSeconds(2);

    protected override Task<IWorkQueue> CreateQueueAsync(int maxDeliveryCount, TimeSpan lockDuration)
    {
        var broker = new FakeServiceBusBroker(maxDeliveryCount, lockDuration);
        return Task.FromResult<IWorkQueue>(new ServiceBusWorkQueue(broker.CreateClient(), "shards", maxDeliveryCount));
    }

    [Fact]
    public async Task Messages_are_sent_in_as_many_broker_batches_as_needed()
    {
        var broker = new FakeServiceBusBroker(5, TimeSpan.FromMinutes(1), maxMessagesPerBatch: 10);
        await using var queue = new ServiceBusWorkQueue(broker.CreateClient(), "shards", 5);

        await queue.SendAsync([.. Enumerable.Range(0, 25).Select(i => Message($"job:{i}"))]);

        Assert.Equal(3, broker.BatchesSent);
        var received = await queue.ReceiveAsync(100, TimeSpan.FromSeconds(1));
        Assert.Equal(Enumerable.Range(0, 25).Select(i => $"job:{i}"), received.Select(m => m.Id));
    }

    [Fact]
    public async Task The_work_message_id_is_the_service_bus_message_id_so_duplicate_detection_drops_a_resend()
    {
        var broker = new FakeServiceBusBroker(5, TimeSpan.FromMinutes(1));
        await using var queue = new ServiceBusWorkQueue(broker.CreateClient(), "shards", 5);

        await queue.SendAsync([Message("job:0", "first")]);
        await queue.SendAsync([Message("job:0", "resent")]);

        var received = Assert.Single(await queue.ReceiveAsync(10, TimeSpan.FromSeconds(1)));
        Assert.Equal("first", received.Body.ToString());
    }

    [Fact]
    public async Task A_message_larger_than_a_batch_is_refused_naming_it()
    {
        var broker = new FakeServiceBusBroker(5, TimeSpan.FromMinutes(1));
        await using var queue = new ServiceBusWorkQueue(broker.CreateClient(), "shards", 5);

        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            queue.SendAsync([Message("small"), Message("huge", new string('x', 300_000))]));

        Assert.Contains("\"huge\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_transient_send_failure_surfaces_as_a_transient_service_bus_error_and_a_retry_delivers()
    {
        var broker = new FakeServiceBusBroker(5, TimeSpan.FromMinutes(1));
        await using var queue = new ServiceBusWorkQueue(broker.CreateClient(), "shards", 5);
        broker.FailNextSends(1);

        var error = await Assert.ThrowsAsync<ServiceBusException>(() => queue.SendAsync([Message("job:0")]));
        Assert.True(error.IsTransient);

        await queue.SendAsync([Message("job:0")]);
        Assert.Equal("job:0", Assert.Single(await queue.ReceiveAsync(1, TimeSpan.FromSeconds(1))).Id);
    }

    [Fact]
    public async Task A_transient_receive_failure_is_not_mistaken_for_a_lost_lock_and_loses_nothing()
    {
        var broker = new FakeServiceBusBroker(5, TimeSpan.FromMinutes(1));
        await using var queue = new ServiceBusWorkQueue(broker.CreateClient(), "shards", 5);
        await queue.SendAsync([Message("job:0")]);
        broker.FailNextReceives(1);

        var error = await Assert.ThrowsAsync<ServiceBusException>(() => queue.ReceiveAsync(1, TimeSpan.FromSeconds(1)));

        Assert.True(error.IsTransient);
        var received = Assert.Single(await queue.ReceiveAsync(1, TimeSpan.FromSeconds(1)));
        Assert.Equal(1, received.DeliveryCount);
    }

    [Fact]
    public async Task A_lost_lock_from_the_broker_becomes_MessageLockLostException_carrying_the_service_bus_error()
    {
        var broker = new FakeServiceBusBroker(5, TimeSpan.FromMinutes(1));
        await using var queue = new ServiceBusWorkQueue(broker.CreateClient(), "shards", 5);
        await queue.SendAsync([Message("job:0")]);
        var received = Assert.Single(await queue.ReceiveAsync(1, TimeSpan.FromSeconds(1)));
        await received.CompleteAsync();

        var error = await Assert.ThrowsAsync<MessageLockLostException>(() => received.AbandonAsync());

        var inner = Assert.IsType<ServiceBusException>(error.InnerException);
        Assert.Equal(ServiceBusFailureReason.MessageLockLost, inner.Reason);
        Assert.Contains("job:0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dead_letters_are_read_from_the_sub_queue_page_by_page()
    {
        var broker = new FakeServiceBusBroker(5, TimeSpan.FromMinutes(1));
        await using var queue = new ServiceBusWorkQueue(broker.CreateClient(), "shards", 5);
        var ids = Enumerable.Range(0, 230).Select(i => $"job:{i}").ToArray();
        await queue.SendAsync([.. ids.Select(id => Message(id))]);
        var received = new List<IReceivedMessage>();
        while (received.Count < ids.Length)
        {
            received.AddRange(await queue.ReceiveAsync(100, TimeSpan.FromSeconds(1)));
        }

        foreach (var message in received)
        {
            await message.DeadLetterAsync("ShardInputInvalid");
        }

        var dead = await DeadLettersAsync(queue);
        Assert.Equal(ids, dead.Select(d => d.Id));
        Assert.All(dead, d => Assert.Equal("ShardInputInvalid", d.Reason));
    }

    [Fact]
    public async Task Renewing_moves_the_lock_expiry_the_sdk_reports()
    {
        var broker = new FakeServiceBusBroker(5, TimeSpan.FromSeconds(30));
        await using var queue = new ServiceBusWorkQueue(broker.CreateClient(), "shards", 5);
        await queue.SendAsync([Message("job:0")]);
        var received = Assert.Single(await queue.ReceiveAsync(1, TimeSpan.FromSeconds(1)));
        var before = received.LockedUntil;

        await Task.Delay(50);
        await received.RenewLockAsync();

        Assert.True(received.LockedUntil > before);
    }
}
