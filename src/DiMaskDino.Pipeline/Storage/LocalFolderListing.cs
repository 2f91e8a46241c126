using System.IO.Enumeration;

namespace DiMaskDino.Pipeline.Storage;

/// <summary>
/// Depth-first walk of a local store folder that yields blobs in ordinal order of their full names. Within one folder
/// the entries are sorted by the key "name" for a file and "name/" for a sub-folder: every blob below folder "a"
/// starts with "a/", and no sibling name can fall between "a/" and "a/…" (siblings contain no '/'), so emitting a
/// sub-folder's blobs at the position of "a/" gives exactly the order Azure Blob Storage lists in.
/// </summary>
internal static class LocalFolderListing
{
    private readonly record struct Entry(string Key, string Name, bool IsFolder, bool IsLink, long Length, DateTime LastWriteUtc);

    /// <param name="folder">the folder to start in</param>
    /// <param name="folderName">its blob-name prefix: "" or ending with '/'</param>
    /// <param name="entryPrefix">what entries of <paramref name="folder"/> must start with</param>
    public static IEnumerable<BlobProperties> Enumerate(LocalStoreRoot root, string container, string folder, string folderName, string entryPrefix)
    {
        // Explicit stack of pending entries per level: only the folders on the current path are held in memory.
        // Each level also keeps its folder's real path, to notice a linked folder that leads back up the walk.
        var stack = new Stack<(string Folder, string RealFolder, string FolderName, Queue<Entry> Pending)>();
        stack.Push((folder, LocalStoreRoot.RealPathOf(folder), folderName, new Queue<Entry>(EntriesOf(folder, entryPrefix))));
        while (stack.Count > 0)
        {
            var (current, currentReal, currentName, pending) = stack.Peek();
            if (!pending.TryDequeue(out var entry))
            {
                stack.Pop();
                continue;
            }

            var fullPath = Path.Join(current, entry.Name);
            var blob = new BlobPath(container, currentName + entry.Name);
            var real = entry.IsLink ? root.CheckLink(fullPath, blob) : Path.Join(currentReal, entry.Name);
            if (entry.IsFolder)
            {
                if (entry.IsLink && stack.Any(level => level.RealFolder == real || level.RealFolder.StartsWith(real + Path.DirectorySeparatorChar, StringComparison.Ordinal)))
                {
                    throw new IOException($"blob folder \"{blob}\" is a symbolic link to \"{real}\", which contains the folders being listed; listing it would never end");
                }

                stack.Push((fullPath, real, blob.Name + "/", new Queue<Entry>(EntriesOf(fullPath, ""))));
                continue;
            }

            if (entry.IsLink)
            {
                var target = new FileInfo(fullPath);
                if (target.Exists)
                {
                    yield return LocalFolderBlobStore.PropertiesOf(blob, target.Length, target.LastWriteTimeUtc);
                }

                continue;
            }

            yield return LocalFolderBlobStore.PropertiesOf(blob, entry.Length, entry.LastWriteUtc);
        }
    }

    private static List<Entry> EntriesOf(string folder, string entryPrefix)
    {
        if (!Directory.Exists(folder))
        {
            // No such container or folder yet, or removed while the listing ran: it holds no blobs.
            return [];
        }

        var enumerable = new FileSystemEnumerable<Entry>(
            folder,
            (ref FileSystemEntry e) =>
            {
                var name = e.FileName.ToString();
                var isLink = (e.Attributes & FileAttributes.ReparsePoint) != 0;
                var isFolder = isLink ? Directory.Exists(e.ToFullPath()) : e.IsDirectory;
                return new Entry(isFolder ? name + "/" : name, name, isFolder, isLink, isFolder ? 0 : e.Length, e.LastWriteTimeUtc.UtcDateTime);
            },
            new EnumerationOptions { RecurseSubdirectories = false, IgnoreInaccessible = false, AttributesToSkip = 0, ReturnSpecialDirectories = false })
        {
            ShouldIncludePredicate = (ref FileSystemEntry e) =>
                !e.FileName.StartsWith(LocalStoreRoot.TempPrefix, StringComparison.Ordinal)
                && e.FileName.StartsWith(entryPrefix, StringComparison.Ordinal),
        };

        var entries = new List<Entry>(enumerable);
        entries.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        return entries;
    }
}
