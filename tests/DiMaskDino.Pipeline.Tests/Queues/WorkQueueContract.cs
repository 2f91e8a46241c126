using System.Diagnostics;
using DiMaskDino.Pipeline.Queues;

namespace DiMaskDino.Pipeline.Tests.Queues;

/// <summary>
/// What every <see cref="IWorkQueue"/> adapter must do. Each test creates its own queue, so tests never see each
/// other's messages. Lock times are real and short (one or two seconds: Storage queues count visibility in whole
/// seconds), so the lock tests take a few seconds each.
/// </summary>
public abstract class WorkQueueContract
{
    protected static readonly TimeSpan ShortLock = TimeSpan.FromSeconds(1);

    protected static readonly TimeSpan NoWait = TimeSpan.Zero;

    /// <summary>A queue no other test uses.</summary>
    protected abstract Task<IWorkQueue> CreateQueueAsync(int maxDeliveryCount, TimeSpan lockDuration);

    /// <summary>How long a message may take to become visible after a send or an abandon (a broker's replication or polling).</summary>
    protected virtual TimeSpan Settling => TimeSpan.FromSeconds(5);

    protected static WorkMessage Message(string id, string body = "{}") => new(id, BinaryData.FromString(body));

    [Fact]
    public async Task A_sent_message_is_received_once_with_its_id_and_body_and_gone_after_complete()
    {
        var queue = await CreateQueueAsync(5, TimeSpan.FromSeconds(30));
        await queue.SendAsync([Message("job1:0", "{\"shard\":0}")]);

        var received = Assert.Single(await queue.ReceiveAsync(10, Settling));
        Assert.Equal("job1:0", received.Id);
        Assert.Equal("{\"shard\":0}", received.Body.ToString());
        Assert.Equal(1, received.DeliveryCount);
        Assert.True(received.LockedUntil > DateTimeOffset.UtcNow);

        await received.CompleteAsync();

        Assert.Empty(await queue.ReceiveAsync(10, TimeSpan.FromSeconds(1)));
        Assert.Empty(await DeadLettersAsync(queue));
    }

    [Fact]
    public async Task A_locked_message_is_invisible_to_other_receivers()
    {
        var queue = await CreateQueueAsync(5, TimeSpan.FromSeconds(30));
        await queue.SendAsync([Message("m")]);

        var first = Assert.Single(await queue.ReceiveAsync(1, Settling));

        Assert.Empty(await queue.ReceiveAsync(1, TimeSpan.FromSeconds(1)));
        await first.CompleteAsync();
    }

    [Fact]
    public async Task Abandon_makes_the_message_available_again_with_one_more_delivery()
    {
        var queue = await CreateQueueAsync(5, TimeSpan.FromSeconds(30));
        await queue.SendAsync([Message("m", "body")]);
        var first = Assert.Single(await queue.ReceiveAsync(1, Settling));

        await first.AbandonAsync();
        var second = Assert.Single(await queue.ReceiveAsync(1, Settling));

        Assert.Equal("m", second.Id);
        Assert.Equal("body", second.Body.ToString());
        Assert.Equal(2, second.DeliveryCount);
        await second.CompleteAsync();
    }

    [Fact]
    public async Task A_message_whose_lock_runs_out_is_delivered_again()
    {
        var queue = await CreateQueueAsync(5, ShortLock);
        await queue.SendAsync([Message("m")]);
        var first = Assert.Single(await queue.ReceiveAsync(1, Settling));

        var second = Assert.Single(await queue.ReceiveAsync(1, ShortLock + Settling));

        Assert.Equal("m", second.Id);
        Assert.Equal(2, second.DeliveryCount);
        await second.CompleteAsync();
    }

    [Fact]
    public async Task Renewing_the_lock_keeps_the_message_invisible_past_its_first_lock()
    {
        // Six seconds and a renewal after three. The watch ends a second after the first lock (Storage reports lock
        // times to the second), which still leaves about two seconds of the renewed lock for completing: a test host
        // busy with other tests may resume this one late, and a completion after the lock ran out would fail.
        var lockDuration = TimeSpan.FromSeconds(6);
        var queue = await CreateQueueAsync(5, lockDuration);
        await queue.SendAsync([Message("m")]);
        var received = Assert.Single(await queue.ReceiveAsync(1, Settling));
        var firstLock = received.LockedUntil;

        await Task.Delay(TimeSpan.FromSeconds(3));
        await received.RenewLockAsync();
        Assert.True(received.LockedUntil > firstLock);

        var watchEnd = firstLock + TimeSpan.FromSeconds(1);
        Assert.True(received.LockedUntil > watchEnd, $"the renewal came too late to test: the renewed lock {received.LockedUntil:O} ends before the watch {watchEnd:O}");
        Assert.Empty(await queue.ReceiveAsync(1, watchEnd - DateTimeOffset.UtcNow));
        await received.CompleteAsync();
        Assert.Empty(await queue.ReceiveAsync(1, TimeSpan.FromSeconds(1.5)));
    }

    [Fact]
    public async Task A_receiver_whose_lock_ran_out_and_was_handed_on_loses_the_message()
    {
        var queue = await CreateQueueAsync(5, ShortLock);
        await queue.SendAsync([Message("m")]);
        var stale = Assert.Single(await queue.ReceiveAsync(1, Settling));
        var current = Assert.Single(await queue.ReceiveAsync(1, ShortLock + Settling));

        await Assert.ThrowsAsync<MessageLockLostException>(() => stale.RenewLockAsync());
        await Assert.ThrowsAsync<MessageLockLostException>(() => stale.CompleteAsync());

        await current.CompleteAsync();
        Assert.Empty(await queue.ReceiveAsync(1, TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task Dead_lettering_moves_the_message_aside_with_its_reason()
    {
        var queue = await CreateQueueAsync(5, TimeSpan.FromSeconds(30));
        await queue.SendAsync([Message("bad", "{\"x\":1}"), Message("good")]);
        var received = await ReceiveAllAsync(queue, 2);

        await received.Single(m => m.Id == "bad").DeadLetterAsync("ShardInputInvalid");
        await received.Single(m => m.Id == "good").CompleteAsync();

        var dead = Assert.Single(await DeadLettersAsync(queue));
        Assert.Equal("bad", dead.Id);
        Assert.Equal("{\"x\":1}", dead.Body.ToString());
        Assert.Equal("ShardInputInvalid", dead.Reason);
        Assert.Equal(1, dead.DeliveryCount);
        Assert.Empty(await queue.ReceiveAsync(1, TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task A_message_delivered_max_delivery_count_times_is_dead_lettered_instead_of_delivered_again()
    {
        var queue = await CreateQueueAsync(2, TimeSpan.FromSeconds(30));
        Assert.Equal(2, queue.MaxDeliveryCount);
        await queue.SendAsync([Message("poison", "p")]);

        for (var delivery = 1; delivery <= 2; delivery++)
        {
            var received = Assert.Single(await queue.ReceiveAsync(1, Settling));
            Assert.Equal(delivery, received.DeliveryCount);
            await received.AbandonAsync();
        }

        Assert.Empty(await queue.ReceiveAsync(1, TimeSpan.FromSeconds(1)));
        var dead = Assert.Single(await DeadLettersAsync(queue));
        Assert.Equal("poison", dead.Id);
        Assert.Equal("p", dead.Body.ToString());
        Assert.Equal(2, dead.DeliveryCount);
        Assert.Equal(DeadLetterReasons.MaxDeliveryCountExceeded, dead.Reason);
    }

    [Fact]
    public async Task Receiving_from_an_empty_queue_returns_nothing_after_at_most_the_wait()
    {
        var queue = await CreateQueueAsync(5, TimeSpan.FromSeconds(30));
        var maxWait = TimeSpan.FromSeconds(1);
        var clock = Stopwatch.StartNew();

        var received = await queue.ReceiveAsync(10, maxWait);

        Assert.Empty(received);
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, maxWait + TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_waiting_receiver_gets_a_message_sent_while_it_waits()
    {
        var queue = await CreateQueueAsync(5, TimeSpan.FromSeconds(30));

        var receiving = queue.ReceiveAsync(1, TimeSpan.FromSeconds(20));
        await Task.Delay(300);
        await queue.SendAsync([Message("late")]);

        var received = Assert.Single(await receiving);
        Assert.Equal("late", received.Id);
        await received.CompleteAsync();
    }

    [Fact]
    public async Task Receive_returns_at_most_max_messages()
    {
        var queue = await CreateQueueAsync(5, TimeSpan.FromSeconds(30));
        await queue.SendAsync([Message("a"), Message("b"), Message("c")]);
        await Task.Delay(Settling / 10);

        var received = await queue.ReceiveAsync(2, Settling);

        Assert.InRange(received.Count, 1, 2);
    }

    [Fact]
    public async Task Many_messages_sent_in_one_call_all_arrive_exactly_once()
    {
        var queue = await CreateQueueAsync(5, TimeSpan.FromSeconds(60));
        var ids = Enumerable.Range(0, 120).Select(i => $"job:{i}").ToArray();
        await queue.SendAsync([.. ids.Select(id => Message(id, new string('s', 2_000)))]);

        var received = await ReceiveAllAsync(queue, ids.Length);
        foreach (var message in received)
        {
            await message.CompleteAsync();
        }

        Assert.Equal(ids.Order(StringComparer.Ordinal), received.Select(m => m.Id).Order(StringComparer.Ordinal));
        Assert.Empty(await queue.ReceiveAsync(32, TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task Sending_nothing_is_allowed()
    {
        var queue = await CreateQueueAsync(5, TimeSpan.FromSeconds(30));

        await queue.SendAsync([]);

        Assert.Empty(await queue.ReceiveAsync(1, NoWait));
    }

    protected async Task<List<IReceivedMessage>> ReceiveAllAsync(IWorkQueue queue, int count)
    {
        var received = new List<IReceivedMessage>();
        var deadline = DateTime.UtcNow + Settling + TimeSpan.FromSeconds(count / 10.0);
        while (received.Count < count && DateTime.UtcNow < deadline)
        {
            received.AddRange(await queue.ReceiveAsync(32, TimeSpan.FromSeconds(1)));
        }

        Assert.Equal(count, received.Count);
        return received;
    }

    protected static async Task<List<DeadLetteredMessage>> DeadLettersAsync(IWorkQueue queue)
    {
        var result = new List<DeadLetteredMessage>();
        await foreach (var message in queue.PeekDeadLettersAsync())
        {
            result.Add(message);
        }

        return result;
    }
}
