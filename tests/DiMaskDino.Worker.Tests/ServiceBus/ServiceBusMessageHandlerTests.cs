using Azure.Messaging.ServiceBus;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Queues;
using DiMaskDino.Worker.ServiceBus;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiMaskDino.Worker.Tests.ServiceBus;

public sealed class ServiceBusMessageHandlerTests
{
    private const int MaxDeliveries = 5;

    [Fact]
    public async Task Handled_message_is_completed()
    {
        var receiver = new RecordingReceiver();
        BinaryData? seen = null;
        var handler = Handler((body, _) => { seen = body; return Task.CompletedTask; });

        var outcome = await handler.HandleAsync(Args(receiver, deliveryCount: 1), CancellationToken.None);

        Assert.Equal(MessageOutcome.Completed, outcome);
        Assert.Equal(["complete"], receiver.Settlements);
        Assert.Equal("""{"job_id":"job-1","shard":3}""", seen!.ToString());
    }

    [Fact]
    public async Task Failure_before_the_last_delivery_abandons_the_message()
    {
        var receiver = new RecordingReceiver();
        var handler = Handler((_, _) => throw new InvalidDataException("manifest is broken"));

        var outcome = await handler.HandleAsync(Args(receiver, deliveryCount: MaxDeliveries - 1), CancellationToken.None);

        Assert.Equal(MessageOutcome.Abandoned, outcome);
        Assert.Equal(["abandon"], receiver.Settlements);
    }

    [Fact]
    public async Task Failure_on_the_last_delivery_dead_letters_with_the_error_as_reason()
    {
        var receiver = new RecordingReceiver();
        var handler = Handler((_, _) => throw new InvalidDataException("job x: shard manifest jobs/x/shards/3.json does not exist"));

        var outcome = await handler.HandleAsync(Args(receiver, deliveryCount: MaxDeliveries), CancellationToken.None);

        Assert.Equal(MessageOutcome.DeadLettered, outcome);
        Assert.Equal(["dead-letter"], receiver.Settlements);
        Assert.Equal("ProcessingFailed", receiver.DeadLetterReason);
        Assert.Equal("InvalidDataException: job x: shard manifest jobs/x/shards/3.json does not exist", receiver.DeadLetterDescription);
    }

    [Fact]
    public async Task A_body_that_cannot_be_parsed_is_dead_lettered_on_the_first_delivery_with_the_reason()
    {
        var receiver = new RecordingReceiver();
        var handler = Handler((body, _) =>
        {
            PoisonMessageException.Parse(BinaryData.FromString("not json " + body), PipelineJsonContext.Default.ShardMessage, "shard message");
            return Task.CompletedTask;
        });

        var outcome = await handler.HandleAsync(Args(receiver, deliveryCount: 1), CancellationToken.None);

        Assert.Equal(MessageOutcome.DeadLettered, outcome);
        Assert.Equal(["dead-letter"], receiver.Settlements);
        Assert.Equal("MessageNotParsable", receiver.DeadLetterReason);
        Assert.StartsWith("MessageNotParsable: shard message: not a valid ShardMessage", receiver.DeadLetterDescription, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Transient_service_bus_error_abandons_even_on_the_last_delivery()
    {
        var receiver = new RecordingReceiver();
        var handler = Handler((_, _) => throw new ServiceBusException("server busy", ServiceBusFailureReason.ServiceBusy));

        var outcome = await handler.HandleAsync(Args(receiver, deliveryCount: MaxDeliveries), CancellationToken.None);

        Assert.Equal(MessageOutcome.Abandoned, outcome);
        Assert.Equal(["abandon"], receiver.Settlements);
    }

    [Fact]
    public async Task Lock_lost_while_handling_cancels_the_handler_and_leaves_the_message_for_redelivery()
    {
        var receiver = new RecordingReceiver();
        var args = Args(receiver, deliveryCount: 1);
        var cancelled = false;
        var handler = Handler(async (_, token) =>
        {
            await args.LoseLockAsync();
            try
            {
                await Task.Delay(Timeout.Infinite, token);
            }
            catch (OperationCanceledException)
            {
                cancelled = true;
                throw;
            }
        });

        var outcome = await handler.HandleAsync(args, CancellationToken.None);

        Assert.Equal(MessageOutcome.LockLost, outcome);
        Assert.True(cancelled);
        Assert.Empty(receiver.Settlements); // not completed: the shard is redelivered, not lost
    }

    [Fact]
    public async Task Lock_lost_after_the_handler_finished_does_not_complete()
    {
        var receiver = new RecordingReceiver();
        var args = Args(receiver, deliveryCount: 1);
        var handler = Handler((_, _) => args.LoseLockAsync());

        var outcome = await handler.HandleAsync(args, CancellationToken.None);

        Assert.Equal(MessageOutcome.LockLost, outcome);
        Assert.Empty(receiver.Settlements);
    }

    [Fact]
    public async Task Lock_lost_when_completing_is_reported_not_thrown()
    {
        var receiver = new RecordingReceiver { SettleFailure = new ServiceBusException("gone", ServiceBusFailureReason.MessageLockLost) };
        var handler = Handler((_, _) => Task.CompletedTask);

        var outcome = await handler.HandleAsync(Args(receiver, deliveryCount: 1), CancellationToken.None);

        Assert.Equal(MessageOutcome.LockLost, outcome);
    }

    [Fact]
    public async Task Other_settle_errors_propagate_to_the_processor()
    {
        var receiver = new RecordingReceiver { SettleFailure = new ServiceBusException("down", ServiceBusFailureReason.ServiceCommunicationProblem) };
        var handler = Handler((_, _) => Task.CompletedTask);

        var error = await Assert.ThrowsAsync<ServiceBusException>(() => handler.HandleAsync(Args(receiver, deliveryCount: 1), CancellationToken.None));

        Assert.Equal(ServiceBusFailureReason.ServiceCommunicationProblem, error.Reason);
    }

    [Fact]
    public async Task Shutdown_mid_shard_abandons_and_never_completes()
    {
        var receiver = new RecordingReceiver();
        using var drain = new CancellationTokenSource();
        var started = new TaskCompletionSource();
        var handler = Handler(async (_, token) =>
        {
            started.SetResult();
            await Task.Delay(Timeout.Infinite, token);
        });

        var handling = handler.HandleAsync(Args(receiver, deliveryCount: 1), drain.Token);
        await started.Task;
        await drain.CancelAsync();
        var outcome = await handling;

        Assert.Equal(MessageOutcome.Abandoned, outcome);
        Assert.Equal(["abandon"], receiver.Settlements);
    }

    [Fact]
    public async Task Shard_that_finishes_within_the_drain_time_is_completed()
    {
        var receiver = new RecordingReceiver();
        using var drain = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var handler = Handler(async (_, token) => await Task.Delay(50, token));

        var outcome = await handler.HandleAsync(Args(receiver, deliveryCount: 1), drain.Token);

        Assert.Equal(MessageOutcome.Completed, outcome);
        Assert.Equal(["complete"], receiver.Settlements);
    }

    private static ServiceBusMessageHandler Handler(Func<BinaryData, CancellationToken, Task> work) =>
        new("shards", work, MaxDeliveries, NullLogger<ServiceBusMessageHandler>.Instance);

    private static TestProcessMessageEventArgs Args(RecordingReceiver receiver, int deliveryCount)
    {
        var message = ServiceBusModelFactory.ServiceBusReceivedMessage(
            body: BinaryData.FromString("""{"job_id":"job-1","shard":3}"""),
            messageId: "job-1:3",
            deliveryCount: deliveryCount,
            lockedUntil: DateTimeOffset.UtcNow.AddMinutes(1),
            lockTokenGuid: Guid.NewGuid());
        return new TestProcessMessageEventArgs(message, receiver, CancellationToken.None);
    }
}
