using System.Runtime.CompilerServices;
using System.Globalization;

namespace DiMaskDino.Pipeline.Storage;

/// <summary>
/// <see cref="IBlobStore"/> over a local folder: each container is a sub-folder of the root, '/' in a blob name is a
/// directory separator. Safe for several threads and several processes sharing the root:
/// <list type="bullet">
/// <item>Writes go to a temporary file in the blob's own folder (prefix <c>.~tmp-</c>, never listed), flushed to
/// disk, then renamed into place: readers see the old or the new file, never a part. <see cref="WriteMode.CreateNew"/>
/// renames with <c>File.Move(overwrite: false)</c>, which on Linux is link(2) + unlink(2): link fails atomically when
/// the name exists, so exactly one of several racing processes wins. (On file systems without hard links .NET falls
/// back to an exclusive-create copy: still first-writer-wins, but a reader may then see a partial file.)</item>
/// <item>ETag = length + last-write time in 100 ns ticks. A writer stamps the new file with the precise wall clock
/// (not the kernel's coarse timestamp), at least one tick after the file it replaces, so every write changes the
/// ETag without hashing content (hashing would read every image on every listing). Files edited by other tools
/// keep their own mtime; on file systems with coarse timestamps (FAT, ext3) two same-length edits within the
/// granularity could share an ETag.</item>
/// <item>Listings walk the tree folder by folder in ordinal blob-name order; only the entries of the folders on the
/// current path are held (a folder with a million files holds a million names while it is listed).</item>
/// <item>A blob "a" and a blob "a/b" cannot both exist (a file and a folder of the same name): such a write
/// fails with <see cref="IOException"/>. Temporary files of a crashed writer stay behind, invisible.</item>
/// </list>
/// </summary>
public sealed class LocalFolderBlobStore : IBlobStore
{
    private const int BufferSize = 81920;
    private readonly LocalStoreRoot _root;

    public LocalFolderBlobStore(string root) => _root = new LocalStoreRoot(root);

    /// <summary>The root folder, absolute.</summary>
    public string Root => _root.Path;

    public async Task<BlobContent?> ReadAsync(BlobPath path, CancellationToken cancellationToken = default)
    {
        await using var stream = OpenOrNull(_root.FileOf(path));
        if (stream is null)
        {
            return null;
        }

        // Length and time come from the open handle: they describe exactly the bytes read, even if a writer
        // renames a new file into place meanwhile.
        var etag = ETagOf(stream.Length, File.GetLastWriteTimeUtc(stream.SafeFileHandle));
        var bytes = new byte[stream.Length];
        await stream.ReadExactlyAsync(bytes, cancellationToken);
        return new BlobContent(new BinaryData(bytes), etag);
    }

    public Task<Stream?> OpenReadAsync(BlobPath path, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<Stream?>(OpenOrNull(_root.FileOf(path)));
    }

    public async Task<bool> WriteAsync(BlobPath path, BinaryData content, WriteMode mode, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var file = _root.FileOf(path);
        var folder = Path.GetDirectoryName(file)!;
        Directory.CreateDirectory(folder);
        var temp = Path.Join(folder, LocalStoreRoot.TempPrefix + Guid.NewGuid().ToString("N"));
        try
        {
            await using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize, useAsync: true))
            {
                await stream.WriteAsync(content.ToMemory(), cancellationToken);
                stream.Flush(flushToDisk: true);
                File.SetLastWriteTimeUtc(stream.SafeFileHandle, StampAfter(file));
            }

            if (mode == WriteMode.Overwrite)
            {
                File.Move(temp, file, overwrite: true);
                return true;
            }

            try
            {
                File.Move(temp, file, overwrite: false);
                return true;
            }
            catch (IOException) when (File.Exists(file))
            {
                return false;
            }
        }
        finally
        {
            File.Delete(temp);
        }
    }

    public Task<BlobProperties?> GetPropertiesAsync(BlobPath path, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var info = new FileInfo(_root.FileOf(path));
        return Task.FromResult(info.Exists ? PropertiesOf(path, info.Length, info.LastWriteTimeUtc) : null);
    }

    public IAsyncEnumerable<BlobProperties> ListAsync(BlobPath prefix, CancellationToken cancellationToken = default)
    {
        // Directory enumeration has no asynchronous API; the walk is lazy, one folder read per step down.
        var (folder, entryPrefix) = _root.ListingStartOf(prefix);
        var cut = prefix.Name.LastIndexOf('/');
        var folderName = cut < 0 ? "" : prefix.Name[..(cut + 1)];
        return StreamAsync(LocalFolderListing.Enumerate(_root, prefix.Container, folder, folderName, entryPrefix), cancellationToken);
    }

    public Task<bool> DeleteAsync(BlobPath path, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var file = _root.FileOf(path);
        if (Directory.Exists(file))
        {
            return Task.FromResult(false);
        }

        // Renaming away first makes the delete atomic: of two racing deleters exactly one sees true.
        var temp = Path.Join(Path.GetDirectoryName(file)!, LocalStoreRoot.TempPrefix + Guid.NewGuid().ToString("N"));
        try
        {
            File.Move(file, temp, overwrite: false);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return Task.FromResult(false);
        }

        File.Delete(temp);
        return Task.FromResult(true);
    }

    private static async IAsyncEnumerable<BlobProperties> StreamAsync(IEnumerable<BlobProperties> blobs, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var blob in blobs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return blob;
        }
    }

    internal static BlobProperties PropertiesOf(BlobPath path, long length, DateTime lastWriteUtc) =>
        new(path, length, ETagOf(length, lastWriteUtc), new DateTimeOffset(lastWriteUtc, TimeSpan.Zero));

    /// <summary>Refuses, without opening it, a FIFO, device or socket (opening a FIFO would block until a writer appears).</summary>
    internal static void CheckReadable(string file)
    {
        var kind = FileKinds.Of(file, followLinks: true);
        if (kind is not (FileKind.Regular or FileKind.Folder or FileKind.Missing))
        {
            throw new UnreadableBlobException($"not a regular file ({FileKinds.Describe(kind)}); never opened");
        }
    }

    private static string ETagOf(long length, DateTime lastWriteUtc) =>
        string.Create(CultureInfo.InvariantCulture, $"\"{length:x}-{lastWriteUtc.Ticks:x}\"");

    private static DateTime StampAfter(string file)
    {
        var now = DateTime.UtcNow;
        var previous = File.Exists(file) ? File.GetLastWriteTimeUtc(file) : DateTime.MinValue;
        return previous < now ? now : previous.AddTicks(1);
    }

    private static FileStream? OpenOrNull(string file)
    {
        CheckReadable(file);
        try
        {
            // Delete sharing lets writers rename over (and deleters remove) a file that is being read, also on Windows.
            return new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, BufferSize, useAsync: true);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (UnauthorizedAccessException) when (Directory.Exists(file))
        {
            // A folder is where blobs with this name as a prefix live, not a blob.
            return null;
        }
    }
}
