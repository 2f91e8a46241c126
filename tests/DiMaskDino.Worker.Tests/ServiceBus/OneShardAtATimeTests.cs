using DiMaskDino.Pipeline.Workers;
using DiMaskDino.Worker.ServiceBus;

namespace DiMaskDino.Worker.Tests.ServiceBus;

public sealed class OneShardAtATimeTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task The_next_shard_is_prepared_while_the_current_one_runs_and_runs_never_overlap()
    {
        var log = new List<string>();
        var firstRunning = new TaskCompletionSource();
        var releaseFirst = new TaskCompletionSource();
        var secondPrepared = new TaskCompletionSource();
        var running = 0;
        var maxRunning = 0;

        using var gate = new OneShardAtATime((body, _) =>
        {
            var name = body.ToString();
            lock (log) { log.Add($"prepare {name}"); }
            if (name == "b")
            {
                secondPrepared.TrySetResult();
            }

            return Task.FromResult<IPreparedMessage>(new FakePrepared(name, log, async () =>
            {
                var now = Interlocked.Increment(ref running);
                InterlockedMax(ref maxRunning, now);
                if (name == "a")
                {
                    firstRunning.TrySetResult();
                    await releaseFirst.Task;
                }

                Interlocked.Decrement(ref running);
            }));
        });

        var first = gate.ProcessAsync(BinaryData.FromString("a"), CancellationToken.None);
        await firstRunning.Task.WaitAsync(Patience);
        var second = gate.ProcessAsync(BinaryData.FromString("b"), CancellationToken.None);
        await secondPrepared.Task.WaitAsync(Patience);

        // b is prepared while a still runs, and b has not started running.
        lock (log)
        {
            Assert.Equal(["prepare a", "run a", "prepare b"], log);
        }

        releaseFirst.SetResult();
        await Task.WhenAll(first, second).WaitAsync(Patience);

        // b runs only after a has finished; a's buffers may be released just before or after b starts.
        Assert.Equal(["prepare a", "run a", "prepare b", "run b"], log.Where(e => !e.StartsWith("dispose", StringComparison.Ordinal)));
        Assert.Equal(["dispose a", "dispose b"], log.Where(e => e.StartsWith("dispose", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        Assert.Equal(1, maxRunning);
    }

    [Fact]
    public async Task A_shard_cancelled_while_waiting_for_the_model_is_discarded_without_running()
    {
        var log = new List<string>();
        var firstRunning = new TaskCompletionSource();
        var releaseFirst = new TaskCompletionSource();
        using var gate = new OneShardAtATime((body, _) => Task.FromResult<IPreparedMessage>(new FakePrepared(body.ToString(), log, async () =>
        {
            if (body.ToString() == "a")
            {
                firstRunning.TrySetResult();
                await releaseFirst.Task;
            }
        })));

        var first = gate.ProcessAsync(BinaryData.FromString("a"), CancellationToken.None);
        await firstRunning.Task.WaitAsync(Patience);
        using var cancel = new CancellationTokenSource();
        var second = gate.ProcessAsync(BinaryData.FromString("b"), cancel.Token);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second.WaitAsync(Patience));
        releaseFirst.SetResult();
        await first.WaitAsync(Patience);

        lock (log)
        {
            Assert.Equal(["run a", "dispose b", "dispose a"], log);
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }

    private sealed class FakePrepared(string name, List<string> log, Func<Task> run) : IPreparedMessage
    {
        public async Task RunAsync(CancellationToken cancellationToken = default)
        {
            lock (log) { log.Add($"run {name}"); }
            await run();
        }

        public ValueTask DisposeAsync()
        {
            lock (log) { log.Add($"dispose {name}"); }
            return ValueTask.CompletedTask;
        }
    }
}
