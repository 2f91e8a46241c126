using DiMaskDino.Pipeline.Storage;

namespace DiMaskDino.Pipeline.Embedded;

/// <summary>
/// One <see cref="IBlobStore"/> made of several: each container goes to the store registered for it, every other
/// container to the default store. The embedded CLI routes <c>images</c> to the user's folder
/// (<see cref="InputFolderStore"/>) and the rest to a <see cref="LocalFolderBlobStore"/> under the output folder.
/// </summary>
public sealed class ContainerRoutedBlobStore(IBlobStore defaultStore, IReadOnlyDictionary<string, IBlobStore> routes) : IBlobStore
{
    public Task<BlobContent?> ReadAsync(BlobPath path, CancellationToken cancellationToken = default) => For(path).ReadAsync(path, cancellationToken);

    public Task<Stream?> OpenReadAsync(BlobPath path, CancellationToken cancellationToken = default) => For(path).OpenReadAsync(path, cancellationToken);

    public Task<bool> WriteAsync(BlobPath path, BinaryData content, WriteMode mode, CancellationToken cancellationToken = default) =>
        For(path).WriteAsync(path, content, mode, cancellationToken);

    public Task<BlobProperties?> GetPropertiesAsync(BlobPath path, CancellationToken cancellationToken = default) =>
        For(path).GetPropertiesAsync(path, cancellationToken);

    public IAsyncEnumerable<BlobProperties> ListAsync(BlobPath prefix, CancellationToken cancellationToken = default) =>
        For(prefix).ListAsync(prefix, cancellationToken);

    public Task<bool> DeleteAsync(BlobPath path, CancellationToken cancellationToken = default) => For(path).DeleteAsync(path, cancellationToken);

    private IBlobStore For(BlobPath path) => routes.TryGetValue(path.Container, out var store) ? store : defaultStore;
}
