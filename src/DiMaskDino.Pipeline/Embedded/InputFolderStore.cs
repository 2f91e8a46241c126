using System.Runtime.CompilerServices;
using DiMaskDino.Pipeline.Storage;

namespace DiMaskDino.Pipeline.Embedded;

/// <summary>
/// A user's image folder seen as the <c>images</c> container, read-only: blob "a/b.jpg" is the file
/// <c>{folder}/a/b.jpg</c>. Listing order, ETags and the refusal of links leading outside the folder are those of
/// <see cref="LocalFolderBlobStore"/> (it shares their code). Writes and deletes throw <see cref="InvalidOperationException"/>:
/// the pipeline never changes its input. An optional excluded sub-folder (the output folder, when it lies inside the
/// input) is left out of listings.
/// </summary>
public sealed class InputFolderStore : IBlobStore
{
    private const int BufferSize = 81920;
    private readonly LocalStoreRoot _links;
    private readonly string? _excludedPrefix;

    /// <param name="folder">the input folder; must exist</param>
    /// <param name="excluded">a folder inside <paramref name="folder"/> whose files are not part of the input (optional)</param>
    public InputFolderStore(string folder, string? excluded = null)
    {
        Folder = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        if (!Directory.Exists(Folder))
        {
            throw new DirectoryNotFoundException($"input folder {Folder} does not exist");
        }

        _links = new LocalStoreRoot(Folder);
        if (excluded is not null)
        {
            // Compared after resolving links: an output folder reached through a link into the input is still excluded.
            var relative = Path.GetRelativePath(RealPaths.Of(Folder), RealPaths.Of(excluded));
            if (relative != "." && !relative.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(relative))
            {
                _excludedPrefix = relative.Replace(Path.DirectorySeparatorChar, '/') + "/";
            }
        }
    }

    public string Folder { get; }

    public async Task<BlobContent?> ReadAsync(BlobPath path, CancellationToken cancellationToken = default)
    {
        await using var stream = Open(path);
        if (stream is null)
        {
            return null;
        }

        var etag = LocalFolderBlobStore.PropertiesOf(path, stream.Length, File.GetLastWriteTimeUtc(stream.SafeFileHandle)).ETag;
        var bytes = new byte[stream.Length];
        await stream.ReadExactlyAsync(bytes, cancellationToken);
        return new BlobContent(new BinaryData(bytes), etag);
    }

    public Task<Stream?> OpenReadAsync(BlobPath path, CancellationToken cancellationToken = default) => Task.FromResult<Stream?>(Open(path));

    public Task<bool> WriteAsync(BlobPath path, BinaryData content, WriteMode mode, CancellationToken cancellationToken = default) =>
        throw new InvalidOperationException($"the input folder {Folder} is read-only; refusing to write {path}");

    public Task<BlobProperties?> GetPropertiesAsync(BlobPath path, CancellationToken cancellationToken = default)
    {
        var info = new FileInfo(FileOf(path));
        return Task.FromResult(info.Exists ? LocalFolderBlobStore.PropertiesOf(path, info.Length, info.LastWriteTimeUtc) : null);
    }

    public IAsyncEnumerable<BlobProperties> ListAsync(BlobPath prefix, CancellationToken cancellationToken = default)
    {
        CheckContainer(prefix);
        var cut = prefix.Name.LastIndexOf('/');
        var folderName = cut < 0 ? "" : prefix.Name[..(cut + 1)];
        var folder = Path.Join(Folder, folderName.Replace('/', Path.DirectorySeparatorChar));
        return StreamAsync(LocalFolderListing.Enumerate(_links, prefix.Container, folder, folderName, prefix.Name[(cut + 1)..]), cancellationToken);
    }

    public Task<bool> DeleteAsync(BlobPath path, CancellationToken cancellationToken = default) =>
        throw new InvalidOperationException($"the input folder {Folder} is read-only; refusing to delete {path}");

    private async IAsyncEnumerable<BlobProperties> StreamAsync(IEnumerable<BlobProperties> blobs, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var blob in blobs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_excludedPrefix is null || !blob.Path.Name.StartsWith(_excludedPrefix, StringComparison.Ordinal))
            {
                yield return blob;
            }

            await Task.CompletedTask;
        }
    }

    private FileStream? Open(BlobPath path)
    {
        var file = FileOf(path);
        LocalFolderBlobStore.CheckReadable(file);
        try
        {
            return new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, BufferSize, useAsync: true);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (UnauthorizedAccessException) when (Directory.Exists(file))
        {
            return null;
        }
    }

    /// <summary>The file of a blob, refused when it would lie outside the folder (BlobPath already rejects ".." and absolute names) or reach outside through a link.</summary>
    private string FileOf(BlobPath path)
    {
        CheckContainer(path);
        if (path.Name.Length == 0 || path.Name.EndsWith('/'))
        {
            throw new ArgumentException($"blob \"{path}\" names a folder, not a blob", nameof(path));
        }

        var full = Path.GetFullPath(Path.Join(Folder, path.Name.Replace('/', Path.DirectorySeparatorChar)));
        if (!full.StartsWith(Folder + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new UnauthorizedAccessException($"blob \"{path}\" resolves to \"{full}\", outside the input folder \"{Folder}\"");
        }

        if (File.Exists(full) || Directory.Exists(full))
        {
            _links.CheckLink(full, path);
        }

        return full;
    }

    private static void CheckContainer(BlobPath path)
    {
        if (path.Container != Containers.Images)
        {
            throw new ArgumentException($"the input folder holds only the \"{Containers.Images}\" container, not \"{path.Container}\"", nameof(path));
        }
    }
}
