using DiMaskDino.Pipeline.Workers;

namespace DiMaskDino.Worker.ServiceBus;

/// <summary>
/// Image prefetch on the Service Bus path. The shard processor is given two concurrent calls (the message being labeled
/// and the next one), and both are locked and auto-renewed by the processor; each call prepares its shard at once
/// (manifest, carried results, image downloads under <c>Pipeline:PrefetchBytes</c>) and then waits here, so only one
/// shard at a time runs the model while the next one's images are already arriving. A message is still settled only
/// by its own call, after its results are written (or abandoned when cancelled while it waits).
/// </summary>
public sealed class OneShardAtATime(Func<BinaryData, CancellationToken, Task<IPreparedMessage>> prepare) : IDisposable
{
    private readonly SemaphoreSlim _model = new(1, 1);

    /// <summary>Prepares the shard of <paramref name="messageBody"/>, then runs it once no other shard is running.</summary>
    public async Task ProcessAsync(BinaryData messageBody, CancellationToken cancellationToken)
    {
        await using var prepared = await prepare(messageBody, cancellationToken);
        await _model.WaitAsync(cancellationToken);
        try
        {
            await prepared.RunAsync(cancellationToken);
        }
        finally
        {
            _model.Release();
        }
    }

    public void Dispose() => _model.Dispose();
}
