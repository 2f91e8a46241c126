// The assembly's one ActivitySource and one Meter (style.md "Logging and telemetry"); ServiceDefaults exports every
// DiMaskDino.* source and meter when an exporter is configured. Images/s and the execution provider come from
// DiMaskDino.Inference's meter (images counter tagged with the provider); this one counts messages by outcome.
using System.Diagnostics;
using System.Diagnostics.Metrics;
using DiMaskDino.Pipeline.Workers;

namespace DiMaskDino.Worker;

/// <summary>How handling one message ended.</summary>
public enum MessageOutcome
{
    Completed,
    Abandoned,
    DeadLettered,

    /// <summary>The lock was lost (another receiver may have it); the message was left alone.</summary>
    LockLost,

    /// <summary>The handler failed (Storage-queue path, where the queue worker settles the message).</summary>
    Failed,
}

public static class WorkerTelemetry
{
    public const string Name = "DiMaskDino.Worker";
    public const string MessagesCounter = "dimaskdino.worker.messages";
    public const string MessageDurationHistogram = "dimaskdino.worker.message.duration";
    public const string QueueTag = "dimaskdino.queue";
    public const string OutcomeTag = "dimaskdino.outcome";

    public static ActivitySource ActivitySource { get; } = new(Name);

    public static Meter Meter { get; } = new(Name);

    private static readonly Counter<long> Messages =
        Meter.CreateCounter<long>(MessagesCounter, "{message}", "Queue messages handled by the worker, by queue and outcome.");

    private static readonly Histogram<double> Duration =
        Meter.CreateHistogram<double>(MessageDurationHistogram, "s", "Wall time of handling one message (a shard or a finalize).");

    public static void Record(string queue, MessageOutcome outcome, TimeSpan duration)
    {
        var tags = new TagList { { QueueTag, queue }, { OutcomeTag, Tag(outcome) } };
        Messages.Add(1, tags);
        Duration.Record(duration.TotalSeconds, tags);
    }

    /// <summary>The outcome of a message settled as <paramref name="action"/>.</summary>
    public static MessageOutcome Outcome(SettlementAction action) => action switch
    {
        SettlementAction.Complete => MessageOutcome.Completed,
        SettlementAction.Abandon => MessageOutcome.Abandoned,
        SettlementAction.DeadLetter => MessageOutcome.DeadLettered,
        SettlementAction.LeaveAlone => MessageOutcome.LockLost,
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, null),
    };

    public static string Tag(MessageOutcome outcome) => outcome switch
    {
        MessageOutcome.Completed => "completed",
        MessageOutcome.Abandoned => "abandoned",
        MessageOutcome.DeadLettered => "dead_lettered",
        MessageOutcome.LockLost => "lock_lost",
        MessageOutcome.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null),
    };
}
