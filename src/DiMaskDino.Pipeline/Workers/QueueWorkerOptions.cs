namespace DiMaskDino.Pipeline.Workers;

/// <summary>Timing of a <see cref="QueueWorker"/>.</summary>
public sealed record QueueWorkerOptions
{
    /// <summary>Lock renewal period while a message is handled; keep it well under the queue's lock duration.</summary>
    public TimeSpan LockRenewInterval { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>How long one receive waits for a message.</summary>
    public TimeSpan ReceiveWait { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Stop after this long without a message (test processes, scale-to-zero hosts); null = never.</summary>
    public TimeSpan? IdleExit { get; init; }

    public static QueueWorkerOptions From(PipelineOptions options) =>
        new() { LockRenewInterval = options.LockRenewInterval, ReceiveWait = options.ReceiveWait };
}
