using System.Runtime.CompilerServices;
using DiMaskDino.Inference.Batching;

namespace DiMaskDino.Inference.Tests.Batching;

/// <summary>An input sequence that counts what was pulled from it and whether it was disposed.</summary>
internal sealed class CountingInputs(IEnumerable<ImageInput<string>> source, Exception? failAfterAll = null) : IAsyncEnumerable<ImageInput<string>>
{
    private int _pulled;
    private int _disposed;

    public int Pulled => Volatile.Read(ref _pulled);

    public bool Disposed => Volatile.Read(ref _disposed) == 1;

    public async IAsyncEnumerator<ImageInput<string>> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        try
        {
            foreach (var input in source)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await Task.Yield();
                Interlocked.Increment(ref _pulled);
                yield return input;
            }

            if (failAfterAll is not null)
            {
                throw failAfterAll;
            }
        }
        finally
        {
            Volatile.Write(ref _disposed, 1);
        }
    }
}

internal static class AsyncSequence
{
    public static async IAsyncEnumerable<T> Of<T>(IEnumerable<T> items, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var item in items)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
            yield return item;
        }
    }

    public static async Task<List<T>> ToListAsync<T>(this IAsyncEnumerable<T> sequence)
    {
        var list = new List<T>();
        await foreach (var item in sequence)
        {
            list.Add(item);
        }

        return list;
    }
}
