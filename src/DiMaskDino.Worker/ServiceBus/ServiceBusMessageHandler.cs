using System.Diagnostics;
using Azure.Messaging.ServiceBus;
using DiMaskDino.Pipeline.Workers;

namespace DiMaskDino.Worker.ServiceBus;

/// <summary>
/// Runs a message handler (a shard or a finalize) for one <see cref="ProcessMessageEventArgs"/> of a
/// <see cref="ServiceBusProcessor"/> with auto-complete off, and settles the message itself by the pipeline's one rule
/// (<see cref="Settlement.Decide"/>): completed on success; left alone when the lock was lost while handling (the
/// processor's lock-lost event cancels the handler; the shard's first-writer-wins result makes the redelivery cheap
/// and safe); abandoned when the drain token fires (SIGTERM and the grace time is over), never completed unfinished;
/// a poison message dead-lettered at once with reason <c>MessageNotParsable</c>; a transient
/// <see cref="ServiceBusException"/> abandoned (the broker dead-letters it with <c>MaxDeliveryCountExceeded</c> after
/// the queue's maximum); any other failure abandoned, or dead-lettered with reason <c>ProcessingFailed</c> and the
/// error as the description on the delivery that reaches <see cref="MaxDeliveryCount"/>. A lost lock during settling
/// is logged; the message comes back and is handled again.
/// </summary>
public sealed class ServiceBusMessageHandler(
    string queue, Func<BinaryData, CancellationToken, Task> handler, int maxDeliveryCount, ILogger<ServiceBusMessageHandler> logger)
{
    /// <summary>Service Bus keeps at most this many characters of a dead-letter description.</summary>
    private const int MaxDescriptionLength = 4000;

    public string Queue => queue;

    public int MaxDeliveryCount => maxDeliveryCount;

    /// <param name="drain">cancelled when an in-flight message must stop (shutdown grace time over)</param>
    public async Task<MessageOutcome> HandleAsync(ProcessMessageEventArgs args, CancellationToken drain)
    {
        ArgumentNullException.ThrowIfNull(args);
        var message = args.Message;
        var started = Stopwatch.GetTimestamp();
        using var activity = WorkerTelemetry.ActivitySource.StartActivity($"{queue} process", ActivityKind.Consumer);
        activity?.SetTag("messaging.message.id", message.MessageId);
        activity?.SetTag("messaging.destination.name", queue);

        using var lockLost = new CancellationTokenSource();
        Task OnLockLost(MessageLockLostEventArgs e)
        {
            lockLost.Cancel();
            return Task.CompletedTask;
        }

        args.MessageLockLostAsync += OnLockLost;
        MessageOutcome outcome;
        try
        {
            outcome = await RunAsync(args, lockLost, drain);
        }
        finally
        {
            args.MessageLockLostAsync -= OnLockLost;
        }

        activity?.SetTag(WorkerTelemetry.OutcomeTag, WorkerTelemetry.Tag(outcome));
        WorkerTelemetry.Record(queue, outcome, Stopwatch.GetElapsedTime(started));
        return outcome;
    }

    private async Task<MessageOutcome> RunAsync(ProcessMessageEventArgs args, CancellationTokenSource lockLost, CancellationToken drain)
    {
        var message = args.Message;
        using var work = CancellationTokenSource.CreateLinkedTokenSource(drain, lockLost.Token);
        Exception? failure = null;
        var stopped = false;
        try
        {
            await handler(message.Body, work.Token);
        }
        catch (OperationCanceledException) when (work.IsCancellationRequested)
        {
            stopped = !lockLost.IsCancellationRequested;
        }
        catch (Exception e)
        {
            failure = e;
        }

        var settlement = Settlement.Decide(
            failure, lockLost.IsCancellationRequested, stopped, message.DeliveryCount, maxDeliveryCount, transient: failure is ServiceBusException { IsTransient: true });
        settlement = await SettleAsync(args, settlement);
        settlement.Log(logger, message.MessageId, queue, message.DeliveryCount);
        return WorkerTelemetry.Outcome(settlement.Action);
    }

    /// <summary>Performs <paramref name="settlement"/> with the processor's receiver; a lock lost meanwhile leaves the message alone.</summary>
    private static Task<Settlement> SettleAsync(ProcessMessageEventArgs args, Settlement settlement)
    {
        var message = args.Message;
        return settlement.ApplyAsync(
            () => args.CompleteMessageAsync(message, CancellationToken.None),
            () => args.AbandonMessageAsync(message, cancellationToken: CancellationToken.None),
            () => args.DeadLetterMessageAsync(message, settlement.ReasonCode!, Truncated(settlement.Reason!), CancellationToken.None),
            e => e is ServiceBusException { Reason: ServiceBusFailureReason.MessageLockLost });
    }

    private static string Truncated(string description) =>
        description.Length > MaxDescriptionLength ? description[..MaxDescriptionLength] : description;
}
