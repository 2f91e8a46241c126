using Azure.Storage.Queues;
using DiMaskDino.IntegrationTests.Azurite;
using DiMaskDino.Pipeline.Azure.Queues;
using DiMaskDino.Pipeline.Queues;
using DiMaskDino.Pipeline.Tests.Queues;

namespace DiMaskDino.IntegrationTests.Queues;

/// <summary>The shared queue contract against an Azure Storage queue as Azurite serves it, plus what only this adapter does.</summary>
[Collection(AzuriteCollection.Name)]
[Trait("Category", "Integration")]
public sealed class StorageQueueWorkQueueTests(AzuriteFixture azurite) : WorkQueueContract
{
    private readonly string _name = "q" + Guid.NewGuid().ToString("N")[..20];

    protected override Task<IWorkQueue> CreateQueueAsync(int maxDeliveryCount, TimeSpan lockDuration) =>
        Task.FromResult<IWorkQueue>(Create(maxDeliveryCount, lockDuration));

    private StorageQueueWorkQueue Create(int maxDeliveryCount = 5, TimeSpan? lockDuration = null) =>
        new(azurite.CreateQueueServiceClient(), _name, maxDeliveryCount, lockDuration ?? TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100));

    [Fact]
    public async Task Dead_letters_go_to_the_poison_queue_as_an_envelope_with_id_body_count_and_reason()
    {
        var queue = Create();
        await queue.SendAsync([Message("job:7", "{\"shard\":7}")]);
        await Assert.Single(await queue.ReceiveAsync(1, Settling)).DeadLetterAsync("ShardInputInvalid");

        var raw = azurite.CreateQueueServiceClient().GetQueueClient(_name + "-poison");
        var poisoned = Assert.Single((await raw.PeekMessagesAsync(10)).Value);
        var text = poisoned.Body.ToString();

        Assert.Equal(_name + "-poison", queue.PoisonQueueName);
        Assert.Contains("\"id\":\"job:7\"", text, StringComparison.Ordinal);
        Assert.Contains("\"reason\":\"ShardInputInvalid\"", text, StringComparison.Ordinal);
        Assert.Contains("\"deliveryCount\":1", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Messages_travel_base64_encoded_on_the_wire()
    {
        var queue = Create();
        await queue.SendAsync([Message("job:1")]);

        var plain = new QueueServiceClient(azurite.ConnectionString).GetQueueClient(_name);
        var wire = Assert.Single((await plain.PeekMessagesAsync(1)).Value).Body.ToString();

        Assert.Contains("job:1", System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(wire)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_message_that_is_not_an_envelope_is_moved_to_the_poison_queue_with_a_reason_that_says_so()
    {
        var queue = Create();
        await queue.EnsureCreatedAsync();
        await azurite.CreateQueueServiceClient().GetQueueClient(_name).SendMessageAsync("not json");

        Assert.Empty(await queue.ReceiveAsync(1, TimeSpan.FromSeconds(1)));

        var dead = Assert.Single(await DeadLettersAsync(queue));
        Assert.Equal("not json", dead.Body.ToString());
        Assert.StartsWith("MessageNotReadable", dead.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_message_that_is_not_base64_goes_to_the_poison_queue_and_the_others_are_still_received()
    {
        var queue = Create();
        await queue.EnsureCreatedAsync();
        await new QueueServiceClient(azurite.ConnectionString).GetQueueClient(_name).SendMessageAsync("{not base64!}");
        await queue.SendAsync([Message("job:2")]);

        // Before: every receive threw FormatException, and a worker exited on every start.
        var received = new List<IReceivedMessage>();
        for (var attempt = 0; attempt < 5 && received.Count == 0; attempt++)
        {
            received.AddRange(await queue.ReceiveAsync(2, TimeSpan.FromSeconds(1)));
        }

        Assert.Equal("job:2", Assert.Single(received).Id);
        var dead = Assert.Single(await DeadLettersAsync(queue));
        Assert.Equal("{not base64!}", dead.Body.ToString());
        Assert.StartsWith("MessageNotReadable: the message is not base64", dead.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_message_too_large_for_a_storage_queue_is_refused_naming_it_and_nothing_is_sent()
    {
        var queue = Create();

        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            queue.SendAsync([Message("small"), Message("huge", new string('x', 50_000))]));

        Assert.Contains("\"huge\"", error.Message, StringComparison.Ordinal);
        Assert.Empty(await queue.ReceiveAsync(10, TimeSpan.Zero));
    }

    [Fact]
    public async Task More_dead_letters_than_one_peek_shows_are_all_read_and_stay_readable()
    {
        var queue = Create();
        var ids = Enumerable.Range(0, 45).Select(i => $"job:{i}").ToArray();
        await queue.SendAsync([.. ids.Select(id => Message(id))]);
        foreach (var message in await ReceiveAllAsync(queue, ids.Length))
        {
            await message.DeadLetterAsync("Bad");
        }

        var first = await DeadLettersAsync(queue);
        var second = await DeadLettersAsync(queue);

        Assert.Equal(ids.Order(StringComparer.Ordinal), first.Select(d => d.Id).Order(StringComparer.Ordinal));
        Assert.Equal(ids.Length, second.Count);
    }

    [Fact]
    public async Task A_lock_that_ran_out_can_still_be_renewed_while_nobody_else_received_the_message()
    {
        var queue = Create(lockDuration: TimeSpan.FromSeconds(2));
        await queue.SendAsync([Message("m")]);
        var received = Assert.Single(await queue.ReceiveAsync(1, Settling));
        await Task.Delay(TimeSpan.FromSeconds(2.5));

        await received.RenewLockAsync();

        Assert.Empty(await queue.ReceiveAsync(1, TimeSpan.Zero));
        await received.CompleteAsync();
    }
}
