using DiMaskDino.Pipeline.Storage;

namespace DiMaskDino.Pipeline.Tests.Fixtures;

/// <summary>A blob store that counts listing calls, listed entries and properties calls by folder before passing them on.</summary>
public sealed class CountingBlobStore(IBlobStore inner) : IBlobStore
{
    private readonly Lock _gate = new();
    private readonly List<BlobPath> _listings = [];
    private readonly List<BlobPath> _listed = [];
    private readonly List<BlobPath> _properties = [];

    /// <summary>Listing calls whose prefix starts with <paramref name="folder"/>.</summary>
    public int Listings(BlobPath folder) => Count(_listings, folder);

    /// <summary>Entries returned by listings, under <paramref name="folder"/>.</summary>
    public int ListedEntries(BlobPath folder) => Count(_listed, folder);

    /// <summary>Properties calls for blobs under <paramref name="folder"/>.</summary>
    public int PropertiesCalls(BlobPath folder) => Count(_properties, folder);

    public Task<BlobContent?> ReadAsync(BlobPath path, CancellationToken cancellationToken = default) => inner.ReadAsync(path, cancellationToken);

    public Task<Stream?> OpenReadAsync(BlobPath path, CancellationToken cancellationToken = default) => inner.OpenReadAsync(path, cancellationToken);

    public Task<bool> WriteAsync(BlobPath path, BinaryData content, WriteMode mode, CancellationToken cancellationToken = default) =>
        inner.WriteAsync(path, content, mode, cancellationToken);

    public Task<BlobProperties?> GetPropertiesAsync(BlobPath path, CancellationToken cancellationToken = default)
    {
        Add(_properties, path);
        return inner.GetPropertiesAsync(path, cancellationToken);
    }

    public async IAsyncEnumerable<BlobProperties> ListAsync(
        BlobPath prefix, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Add(_listings, prefix);
        await foreach (var blob in inner.ListAsync(prefix, cancellationToken))
        {
            Add(_listed, blob.Path);
            yield return blob;
        }
    }

    public Task<bool> DeleteAsync(BlobPath path, CancellationToken cancellationToken = default) => inner.DeleteAsync(path, cancellationToken);

    private void Add(List<BlobPath> list, BlobPath path)
    {
        lock (_gate)
        {
            list.Add(path);
        }
    }

    private int Count(List<BlobPath> list, BlobPath folder)
    {
        lock (_gate)
        {
            return list.Count(p => p.Container == folder.Container && p.Name.StartsWith(folder.Name, StringComparison.Ordinal));
        }
    }
}
