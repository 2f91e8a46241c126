using System.IO.Enumeration;

namespace DiMaskDino.Pipeline.Storage;

/// <summary>
/// Depth-first walk of a local store folder that yields blobs in ordinal order of their full names. Within one folder
/// the entries are sorted by the key "name" for a file and "name/" for a sub-folder: every blob below folder "a"
/// starts with "a/", and no sibling name can fall between "a/" and "a/…" (siblings contain no '/'), so emitting a
/// sub-folder's blobs at the position of "a/" gives exactly the order Azure Blob Storage lists in.
/// No entry stops the walk: one that cannot be read as a blob (a link leading outside the root, dangling or in a loop,
/// a FIFO, device or socket, a name that is not valid UTF-8) is listed with <see cref="BlobProperties.Problem"/> set,
/// and is never opened.
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
            var name = currentName + entry.Name;
            if (NameProblem(container, name, fullPath) is { } nameProblem)
            {
                yield return BlobProperties.Unreadable(BlobPath.Unvalidated(container, name), nameProblem, entry.IsFolder);
                continue;
            }

            var blob = new BlobPath(container, name);
            var (kind, real, problem) = entry.IsLink ? Follow(root, fullPath) : (entry.IsFolder ? FileKind.Folder : KindOf(entry, fullPath), Path.Join(currentReal, entry.Name), null);
            if (problem is null && kind == FileKind.Folder && entry.IsLink
                && stack.Any(level => level.RealFolder == real || level.RealFolder.StartsWith(real + Path.DirectorySeparatorChar, StringComparison.Ordinal)))
            {
                problem = $"symbolic link loop: the folder link leads to {real}, which contains the folders being listed";
            }

            if (problem is null && kind is not (FileKind.Regular or FileKind.Folder or FileKind.Missing))
            {
                problem = $"not a regular file ({FileKinds.Describe(kind)}); never opened";
            }

            if (problem is not null)
            {
                yield return BlobProperties.Unreadable(blob, problem, isFolder: kind == FileKind.Folder || entry.IsFolder);
            }
            else if (kind == FileKind.Folder)
            {
                stack.Push((fullPath, real, blob.Name + "/", new Queue<Entry>(EntriesOf(fullPath, ""))));
            }
            else if (!entry.IsLink)
            {
                if (kind != FileKind.Missing)
                {
                    yield return LocalFolderBlobStore.PropertiesOf(blob, entry.Length, entry.LastWriteUtc);
                }
            }
            else if (new FileInfo(fullPath) is { Exists: true } target)
            {
                yield return LocalFolderBlobStore.PropertiesOf(blob, target.Length, target.LastWriteTimeUtc);
            }
        }
    }

    /// <summary>Why a name cannot be a blob: not valid UTF-8 (.NET shows such bytes as U+FFFD and cannot open the file by that name), or refused by <see cref="BlobPath"/>.</summary>
    private static string? NameProblem(string container, string name, string fullPath)
    {
        if (name.Contains('\uFFFD', StringComparison.Ordinal) && FileKinds.Of(fullPath, followLinks: false) == FileKind.Missing)
        {
            return "name not representable: the file name is not valid UTF-8 (shown with U+FFFD for the invalid bytes); rename it to label it";
        }

        try
        {
            BlobPath.Validate(container, name);
            return null;
        }
        catch (ArgumentException e)
        {
            return "name not representable: " + e.Message;
        }
    }

    /// <summary>A zero-length entry may be a FIFO, a device or a socket (their size is 0): asked for its type. Others are files.</summary>
    private static FileKind KindOf(Entry entry, string fullPath) =>
        entry.Length == 0 ? FileKinds.Of(fullPath, followLinks: false) : FileKind.Regular;

    /// <summary>A link's final target: its kind and real path, or why it cannot be followed (a loop, outside the root, dangling).</summary>
    private static (FileKind Kind, string Real, string? Problem) Follow(LocalStoreRoot root, string fullPath)
    {
        string real;
        try
        {
            real = LocalStoreRoot.RealPathOf(fullPath);
        }
        catch (IOException e)
        {
            return (FileKind.Link, fullPath, $"symbolic link loop: {e.Message}");
        }

        if (!root.IsInside(real))
        {
            return (FileKind.Link, real, $"symbolic link leads outside the input folder (to {real}); links may only point inside it");
        }

        var kind = FileKinds.Of(fullPath, followLinks: true);
        return kind == FileKind.Missing
            ? (kind, real, $"dangling symbolic link: its target {real} does not exist")
            : (kind, real, null);
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
