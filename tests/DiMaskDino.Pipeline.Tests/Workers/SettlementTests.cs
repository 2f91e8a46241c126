using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Queues;
using DiMaskDino.Pipeline.Workers;
using Microsoft.Extensions.Logging;

namespace DiMaskDino.Pipeline.Tests.Workers;

/// <summary>The one settlement rule (<see cref="Settlement.Decide"/>), branch by branch, how it is applied, and what it logs.</summary>
public sealed class SettlementTests
{
    private const int Max = 5;

    [Fact]
    public void A_handled_message_is_completed()
    {
        Assert.Equal(new Settlement(SettlementAction.Complete), Settlement.Decide(null, lockLost: false, stopped: false, deliveryCount: 1, Max));
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void A_lost_lock_leaves_the_message_alone_whatever_the_handler_did(bool failed, bool stopped)
    {
        var failure = failed ? new IOException("disk unplugged") : null;

        var settlement = Settlement.Decide(failure, lockLost: true, stopped, deliveryCount: Max, Max);

        Assert.Equal(new Settlement(SettlementAction.LeaveAlone), settlement);
    }

    [Fact]
    public void Stopping_abandons_without_a_failure_reason_even_on_the_last_delivery()
    {
        Assert.Equal(new Settlement(SettlementAction.Abandon), Settlement.Decide(null, lockLost: false, stopped: true, deliveryCount: Max, Max));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(Max - 1)]
    public void A_failure_before_the_last_delivery_abandons_with_the_error_as_reason(int deliveryCount)
    {
        var settlement = Settlement.Decide(new InvalidDataException("manifest is broken"), lockLost: false, stopped: false, deliveryCount, Max);

        Assert.Equal(new Settlement(SettlementAction.Abandon, "InvalidDataException: manifest is broken"), settlement);
    }

    [Theory]
    [InlineData(Max)]
    [InlineData(Max + 2)]
    public void A_failure_on_the_delivery_that_reaches_the_maximum_dead_letters_with_the_type_and_message(int deliveryCount)
    {
        var settlement = Settlement.Decide(new IOException("disk\nunplugged"), lockLost: false, stopped: false, deliveryCount, Max);

        Assert.Equal(new Settlement(SettlementAction.DeadLetter, "IOException: disk unplugged", Settlement.ProcessingFailed), settlement);
    }

    [Fact]
    public void A_poison_message_is_dead_lettered_on_its_first_delivery_with_its_own_reason()
    {
        var poison = Assert.Throws<PoisonMessageException>(() =>
            PoisonMessageException.Parse(BinaryData.FromString("not json"), PipelineJsonContext.Default.ShardMessage, "shard message"));

        var settlement = Settlement.Decide(poison, lockLost: false, stopped: false, deliveryCount: 1, Max);

        Assert.Equal(SettlementAction.DeadLetter, settlement.Action);
        Assert.Equal(PoisonMessageException.Reason, settlement.ReasonCode);
        Assert.StartsWith("MessageNotParsable: shard message: not a valid ShardMessage", settlement.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', settlement.Reason!);
    }

    [Fact]
    public void A_transient_broker_failure_is_abandoned_even_on_the_last_delivery()
    {
        var settlement = Settlement.Decide(new TimeoutException("server busy"), lockLost: false, stopped: false, deliveryCount: Max, Max, transient: true);

        Assert.Equal(new Settlement(SettlementAction.Abandon, "TimeoutException: server busy"), settlement);
    }

    [Fact]
    public void A_transient_poison_message_is_still_dead_lettered()
    {
        var settlement = Settlement.Decide(new PoisonMessageException("MessageNotParsable: x"), lockLost: false, stopped: false, deliveryCount: 1, Max, transient: true);

        Assert.Equal(SettlementAction.DeadLetter, settlement.Action);
    }

    [Fact]
    public void Each_decision_logs_once_at_its_level_and_a_completion_logs_nothing()
    {
        var logger = new ListLogger();

        Settlement.Decide(null, false, false, 1, Max).Log(logger, "m-1", "shards", 1);
        Settlement.Decide(new IOException("a"), false, false, 1, Max).Log(logger, "m-2", "shards", 1);
        Settlement.Decide(new IOException("b"), false, false, Max, Max).Log(logger, "m-3", "shards", Max);
        Settlement.Decide(null, true, false, 1, Max).Log(logger, "m-4", "shards", 1);
        Settlement.Decide(null, false, true, 1, Max).Log(logger, "m-5", "shards", 1);

        Assert.Equal(
            [
                (LogLevel.Warning, "Message m-2 on shards failed on delivery 1, abandoned for a retry: IOException: a"),
                (LogLevel.Error, "Message m-3 on shards failed on delivery 5, dead-lettered: IOException: b"),
                (LogLevel.Warning, "Lost the lock of message m-4 on shards; left to its next delivery"),
                (LogLevel.Information, "Stopping: message m-5 on shards was cancelled and abandoned for its next delivery"),
            ],
            logger.Entries);
    }

    [Theory]
    [InlineData(SettlementAction.Complete, "complete")]
    [InlineData(SettlementAction.Abandon, "abandon")]
    [InlineData(SettlementAction.DeadLetter, "dead-letter")]
    [InlineData(SettlementAction.LeaveAlone, "")]
    public async Task Applying_a_settlement_calls_only_its_own_action(SettlementAction action, string expected)
    {
        var called = new List<string>();

        var applied = await new Settlement(action).ApplyAsync(
            () => Record(called, "complete"), () => Record(called, "abandon"), () => Record(called, "dead-letter"), _ => false);

        Assert.Equal(expected, string.Join(",", called));
        Assert.Equal(action, applied.Action);
    }

    [Fact]
    public async Task A_lock_lost_while_settling_leaves_the_message_alone_and_other_errors_propagate()
    {
        static bool IsLockLost(Exception e) => e is MessageLockLostException;

        var lost = await new Settlement(SettlementAction.Complete).ApplyAsync(
            () => throw new MessageLockLostException("gone"), () => Task.CompletedTask, () => Task.CompletedTask, IsLockLost);
        Assert.Same(Settlement.LockLostWhileSettling, lost);

        await Assert.ThrowsAsync<IOException>(() => new Settlement(SettlementAction.Abandon).ApplyAsync(
            () => Task.CompletedTask, () => throw new IOException("broker down"), () => Task.CompletedTask, IsLockLost));
    }

    private static Task Record(List<string> called, string action)
    {
        called.Add(action);
        return Task.CompletedTask;
    }

    private sealed class ListLogger : ILogger
    {
        public List<(LogLevel Level, string Message)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((logLevel, formatter(state, exception)));
    }
}
