namespace DiMaskDino.Inference.Runtime;

/// <summary>
/// The use of one cached <see cref="ModelSession"/>; dispose it when the runs that need the session are done. The
/// cache disposes a session replaced by a newer ETag only after its last lease is disposed, so a run in flight never
/// loses its session.
/// </summary>
public sealed class ModelSessionLease : IDisposable
{
    private readonly Action _release;
    private int _released;

    internal ModelSessionLease(Uri modelUri, string etag, ModelSession session, Action release)
    {
        ModelUri = modelUri;
        ETag = etag;
        Session = session;
        _release = release;
    }

    public Uri ModelUri { get; }

    public string ETag { get; }

    public ModelSession Session { get; }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            _release();
        }
    }
}
