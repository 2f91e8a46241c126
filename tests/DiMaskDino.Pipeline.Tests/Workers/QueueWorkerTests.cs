using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Queues;
using DiMaskDino.Pipeline.Workers;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiMaskDino.Pipeline.Tests.Workers;

public sealed class QueueWorkerTests
{
    private static readonly QueueWorkerOptions Fast = new() { LockRenewInterval = TimeSpan.FromMilliseconds(100), ReceiveWait = TimeSpan.FromMilliseconds(50) };

    [Fact]
    public async Task A_failing_message_is_abandoned_until_the_max_delivery_count_then_dead_lettered_with_the_error()
    {
        var queue = new InProcessWorkQueue("shards", maxDeliveryCount: 3);
        await queue.SendAsync([new WorkMessage("job:0", BinaryData.FromString("{}"))]);
        var calls = 0;
        var worker = new QueueWorker(
            queue, (_, _) => { calls++; throw new IOException("disk unplugged"); }, Fast, NullLogger<QueueWorker>.Instance);

        while (await worker.ProcessOneAsync())
        {
        }

        Assert.Equal(3, calls);
        var dead = Assert.Single(await ToListAsync(queue.PeekDeadLettersAsync()));
        Assert.Equal("job:0", dead.Id);
        Assert.Equal("IOException: disk unplugged", dead.Reason);
        Assert.Equal(0, queue.ActiveMessageCount);
    }

    [Fact]
    public async Task A_message_that_cannot_be_parsed_is_dead_lettered_on_its_first_delivery_with_the_reason()
    {
        var queue = new InProcessWorkQueue("shards", maxDeliveryCount: 5);
        await queue.SendAsync([new WorkMessage("job:1", BinaryData.FromString("not json"))]);
        var calls = 0;
        var worker = new QueueWorker(
            queue,
            (body, _) =>
            {
                calls++;
                PoisonMessageException.Parse(body, PipelineJsonContext.Default.ShardMessage, "shard message");
                return Task.CompletedTask;
            },
            Fast,
            NullLogger<QueueWorker>.Instance);

        while (await worker.ProcessOneAsync())
        {
        }

        Assert.Equal(1, calls);
        var dead = Assert.Single(await ToListAsync(queue.PeekDeadLettersAsync()));
        Assert.StartsWith("MessageNotParsable: shard message: not a valid ShardMessage", dead.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_lock_is_renewed_while_a_slow_message_is_handled_so_nobody_else_receives_it()
    {
        // Lock 3 s, renewed every 0.25 s, handler 6 s: without renewal the other worker would get it after 3 s.
        // (Generous margins: on a heavily loaded machine a renewal can come more than a second late.)
        var queue = new InProcessWorkQueue("shards", maxDeliveryCount: 5, lockDuration: TimeSpan.FromMilliseconds(3000));
        await queue.SendAsync([new WorkMessage("job:0", BinaryData.FromString("{}"))]);
        var calls = 0;
        var renewing = Fast with { LockRenewInterval = TimeSpan.FromMilliseconds(250) };
        var slow = new QueueWorker(queue, async (_, ct) => { Interlocked.Increment(ref calls); await Task.Delay(6000, ct); }, renewing, NullLogger<QueueWorker>.Instance);
        var other = new QueueWorker(queue, (_, _) => { Interlocked.Increment(ref calls); return Task.CompletedTask; }, Fast, NullLogger<QueueWorker>.Instance);

        var handling = slow.ProcessOneAsync();
        var stolen = 0;
        while (!handling.IsCompleted)
        {
            stolen += await other.ProcessOneAsync() ? 1 : 0;
        }

        Assert.True(await handling);
        Assert.Equal(0, stolen);
        Assert.Equal(1, calls);
        Assert.Equal(0, queue.ActiveMessageCount);
    }

    [Fact]
    public async Task Stopping_a_worker_mid_message_abandons_it_for_the_next_receiver()
    {
        var queue = new InProcessWorkQueue("shards", maxDeliveryCount: 5);
        await queue.SendAsync([new WorkMessage("job:0", BinaryData.FromString("{}"))]);
        using var stop = new CancellationTokenSource();
        var started = new TaskCompletionSource();
        var worker = new QueueWorker(queue, async (_, ct) => { started.SetResult(); await Task.Delay(Timeout.Infinite, ct); }, Fast, NullLogger<QueueWorker>.Instance);

        var running = worker.RunAsync(stop.Token);
        await started.Task;
        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        var again = Assert.Single(await queue.ReceiveAsync(1, TimeSpan.FromSeconds(1)));
        Assert.Equal(2, again.DeliveryCount);
    }

    [Fact]
    public async Task A_lock_lost_by_the_time_the_message_is_settled_leaves_it_for_its_next_delivery_instead_of_failing_the_worker()
    {
        // Lock 0.3 s, first renewal only after 30 s, handler 1 s that ignores cancellation: the lock runs out unnoticed
        // and completing finds it gone.
        var queue = new InProcessWorkQueue("shards", maxDeliveryCount: 5, lockDuration: TimeSpan.FromMilliseconds(300));
        await queue.SendAsync([new WorkMessage("job:0", BinaryData.FromString("{}"))]);
        var worker = new QueueWorker(
            queue, (_, _) => Task.Delay(1000), Fast with { LockRenewInterval = TimeSpan.FromSeconds(30) }, NullLogger<QueueWorker>.Instance);

        Assert.True(await worker.ProcessOneAsync());

        var again = Assert.Single(await queue.ReceiveAsync(1, TimeSpan.FromSeconds(1)));
        Assert.Equal(2, again.DeliveryCount);
        Assert.Empty(await ToListAsync(queue.PeekDeadLettersAsync()));
    }

    [Fact]
    public async Task An_idle_worker_exits_by_itself()
    {
        var queue = new InProcessWorkQueue("shards", maxDeliveryCount: 5);
        var worker = new QueueWorker(queue, (_, _) => Task.CompletedTask, Fast with { IdleExit = TimeSpan.FromMilliseconds(300) }, NullLogger<QueueWorker>.Instance);

        await worker.RunAsync().WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items)
        {
            list.Add(item);
        }

        return list;
    }
}
