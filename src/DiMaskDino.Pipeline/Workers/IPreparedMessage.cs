namespace DiMaskDino.Pipeline.Workers;

/// <summary>
/// A message whose slow, side-effect-free part (reading inputs, starting downloads) is under way: a prefetching
/// <see cref="QueueWorker"/> prepares the next message while the current one runs. <see cref="RunAsync"/> does the
/// work that counts (results, follow-up messages); disposing without running discards what was prepared.
/// </summary>
public interface IPreparedMessage : IAsyncDisposable
{
    Task RunAsync(CancellationToken cancellationToken = default);
}
