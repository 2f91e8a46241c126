using DiMaskDino.Pipeline.Queues;

namespace DiMaskDino.Pipeline.Tests.Queues;

public sealed class InProcessWorkQueueTests : WorkQueueContract
{
    protected override TimeSpan Settling => TimeSpan.FromSeconds(2);

    protected override Task<IWorkQueue> CreateQueueAsync(int maxDeliveryCount, TimeSpan lockDuration) =>
        Task.FromResult<IWorkQueue>(new InProcessWorkQueue("shards", maxDeliveryCount, lockDuration));

    [Fact]
    public async Task A_message_id_sent_again_within_the_duplicate_window_is_dropped()
    {
        var clock = new ManualClock();
        var queue = new InProcessWorkQueue("shards", 5, duplicateDetectionWindow: TimeSpan.FromMinutes(10), timeProvider: clock);

        await queue.SendAsync([Message("job:0", "first"), Message("job:0", "same batch")]);
        clock.Advance(TimeSpan.FromMinutes(9));
        await queue.SendAsync([Message("job:0", "again")]);

        var received = Assert.Single(await queue.ReceiveAsync(10, NoWait));
        Assert.Equal("first", received.Body.ToString());
        await received.CompleteAsync();
        await queue.SendAsync([Message("job:0", "even after completion")]);
        Assert.Empty(await queue.ReceiveAsync(10, NoWait));
    }

    [Fact]
    public async Task A_message_id_sent_again_after_the_duplicate_window_is_delivered()
    {
        var clock = new ManualClock();
        var queue = new InProcessWorkQueue("shards", 5, duplicateDetectionWindow: TimeSpan.FromMinutes(10), timeProvider: clock);
        await queue.SendAsync([Message("job:0", "first")]);
        await (await queue.ReceiveAsync(1, NoWait))[0].CompleteAsync();

        clock.Advance(TimeSpan.FromMinutes(10));
        await queue.SendAsync([Message("job:0", "second")]);

        Assert.Equal("second", Assert.Single(await queue.ReceiveAsync(10, NoWait)).Body.ToString());
    }

    [Fact]
    public async Task A_lock_that_ran_out_is_lost_even_before_anyone_else_received_the_message()
    {
        var clock = new ManualClock();
        var queue = new InProcessWorkQueue("shards", 5, lockDuration: TimeSpan.FromMinutes(1), timeProvider: clock);
        await queue.SendAsync([Message("m")]);
        var received = Assert.Single(await queue.ReceiveAsync(1, NoWait));

        clock.Advance(TimeSpan.FromSeconds(59));
        await received.RenewLockAsync();
        Assert.Equal(clock.GetUtcNow() + TimeSpan.FromMinutes(1), received.LockedUntil);
        clock.Advance(TimeSpan.FromMinutes(1));

        await Assert.ThrowsAsync<MessageLockLostException>(() => received.RenewLockAsync());
        await Assert.ThrowsAsync<MessageLockLostException>(() => received.AbandonAsync());
        Assert.Equal(2, Assert.Single(await queue.ReceiveAsync(1, NoWait)).DeliveryCount);
    }

    [Fact]
    public async Task A_message_whose_last_lock_runs_out_is_dead_lettered()
    {
        var clock = new ManualClock();
        var queue = new InProcessWorkQueue("shards", 1, lockDuration: TimeSpan.FromMinutes(1), timeProvider: clock);
        await queue.SendAsync([Message("m")]);
        Assert.Single(await queue.ReceiveAsync(1, NoWait));

        clock.Advance(TimeSpan.FromMinutes(2));

        Assert.Empty(await queue.ReceiveAsync(1, NoWait));
        var dead = Assert.Single(await DeadLettersAsync(queue));
        Assert.Equal((1, DeadLetterReasons.MaxDeliveryCountExceeded), (dead.DeliveryCount, dead.Reason));
        Assert.Equal(0, queue.ActiveMessageCount);
    }

    [Fact]
    public async Task An_abandoned_message_goes_back_to_its_place_at_the_head()
    {
        var queue = new InProcessWorkQueue("shards", 5);
        await queue.SendAsync([Message("0"), Message("1"), Message("2")]);
        var first = Assert.Single(await queue.ReceiveAsync(1, NoWait));

        await first.AbandonAsync();

        Assert.Equal(["0", "1", "2"], (await queue.ReceiveAsync(3, NoWait)).Select(m => m.Id));
    }

    [Fact]
    public async Task A_settled_delivery_cannot_be_settled_again()
    {
        var queue = new InProcessWorkQueue("shards", 5);
        await queue.SendAsync([Message("m")]);
        var received = Assert.Single(await queue.ReceiveAsync(1, NoWait));
        await received.CompleteAsync();

        await Assert.ThrowsAsync<MessageLockLostException>(() => received.CompleteAsync());
        await Assert.ThrowsAsync<MessageLockLostException>(() => received.DeadLetterAsync("late"));
        Assert.Empty(await DeadLettersAsync(queue));
    }

    [Fact]
    public async Task Concurrent_receivers_share_the_messages_without_overlap()
    {
        var queue = new InProcessWorkQueue("shards", 5);
        await queue.SendAsync([.. Enumerable.Range(0, 200).Select(i => Message($"m{i}"))]);

        var batches = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            var mine = new List<string>();
            while (await queue.ReceiveAsync(3, NoWait) is { Count: > 0 } received)
            {
                foreach (var message in received)
                {
                    mine.Add(message.Id);
                    await message.CompleteAsync();
                }
            }

            return mine;
        })));

        var all = batches.SelectMany(b => b).ToList();
        Assert.Equal(200, all.Count);
        Assert.Equal(200, all.Distinct().Count());
    }

    [Fact]
    public async Task A_cancelled_receive_stops_waiting()
    {
        var queue = new InProcessWorkQueue("shards", 5);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queue.ReceiveAsync(1, TimeSpan.FromMinutes(5), cancel.Token));
    }

    [Fact]
    public void Bad_settings_are_rejected_by_name()
    {
        Assert.Equal("maxDeliveryCount", Assert.Throws<ArgumentOutOfRangeException>(() => new InProcessWorkQueue("q", 0)).ParamName);
        Assert.Equal("lockDuration", Assert.Throws<ArgumentOutOfRangeException>(() => new InProcessWorkQueue("q", 1, TimeSpan.Zero)).ParamName);
    }

    /// <summary>A clock the test moves; receives use a zero wait so no timer is involved.</summary>
    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
