namespace DiMaskDino.Inference.Batching;

/// <summary>Counts pooled buffers and ORT outputs held by a predictor's batches, so tests can prove none leak.</summary>
internal sealed class PooledResources
{
    private int _held;

    public int Held => Volatile.Read(ref _held);

    public void Acquired() => Interlocked.Increment(ref _held);

    public void Released() => Interlocked.Decrement(ref _held);
}
