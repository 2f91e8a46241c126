using DiMaskDino.Pipeline.Queues;

namespace DiMaskDino.Pipeline.Workers;

/// <summary>One received message: its lock renewal, the token of its work, its preparation.</summary>
internal sealed class MessageInHand(IReceivedMessage message, CancellationTokenSource work) : IDisposable
{
    public IReceivedMessage Message { get; } = message;

    public CancellationTokenSource Work { get; } = work;

    public CancellationTokenSource Renewing { get; } = new();

    public Task? Renewal { get; set; }

    public Task<IPreparedMessage>? Prepared { get; set; }

    private volatile bool _lockLost;

    /// <summary>Set by the renewal loop; read after it stopped.</summary>
    public bool LockLost
    {
        get => _lockLost;
        set => _lockLost = value;
    }

    public async Task StopRenewingAsync()
    {
        await Renewing.CancelAsync();
        await Renewal!;
    }

    public void Dispose()
    {
        Work.Dispose();
        Renewing.Dispose();
    }
}
