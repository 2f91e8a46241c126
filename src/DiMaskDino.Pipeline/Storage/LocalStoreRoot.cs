namespace DiMaskDino.Pipeline.Storage;

/// <summary>
/// Maps blob paths to files under one root folder (container = sub-folder, '/' = directory separator) and keeps every
/// resolved path inside that root. <see cref="BlobPath"/> already rejects "..", absolute names and backslashes; on top
/// of that every existing component of a path is checked for symbolic links, and a link whose final target lies
/// outside the root's real location is refused. This defends against links present in the tree, not against a
/// process that swaps a folder for a link between the check and the use.
/// </summary>
internal sealed class LocalStoreRoot
{
    /// <summary>Prefix of the temporary files that atomic writes rename into place; never listed, never a blob name.</summary>
    public const string TempPrefix = ".~tmp-";

    private readonly string _realRoot;

    public LocalStoreRoot(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Path = System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(root));
        Directory.CreateDirectory(Path);
        _realRoot = RealPaths.Of(Path);
    }

    /// <summary>The root as given, made absolute.</summary>
    public string Path { get; }

    /// <summary>The file of a blob; throws when the name is a prefix only, reserved, or leaves the root.</summary>
    public string FileOf(BlobPath blob)
    {
        if (blob.Name.Length == 0 || blob.Name.EndsWith('/'))
        {
            throw new ArgumentException($"blob \"{blob}\" names a folder, not a blob", nameof(blob));
        }

        return Resolve(blob);
    }

    /// <summary>
    /// The folder a listing of <paramref name="prefix"/> starts in (everything up to the last '/') and the part of
    /// the last segment that entries of that folder must start with.
    /// </summary>
    public (string Folder, string EntryPrefix) ListingStartOf(BlobPath prefix)
    {
        var cut = prefix.Name.LastIndexOf('/');
        var folderName = cut < 0 ? "" : prefix.Name[..cut];
        var folder = Resolve(new BlobPath(prefix.Container, folderName));
        return (folder, prefix.Name[(cut + 1)..]);
    }

    /// <summary>Throws when a symbolic link points outside the root; returns its final target otherwise.</summary>
    public string CheckLink(string fullPath, BlobPath blob)
    {
        var real = RealPaths.Of(fullPath);
        if (!IsInside(real))
        {
            throw new UnauthorizedAccessException(
                $"blob \"{blob}\" is a symbolic link to \"{real}\", outside the store root \"{Path}\"; links may only point inside the root");
        }

        return real;
    }

    /// <summary>The path with every symbolic link along it resolved.</summary>
    public static string RealPathOf(string fullPath) => RealPaths.Of(fullPath);

    private string Resolve(BlobPath blob)
    {
        foreach (var segment in blob.Name.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (segment.StartsWith(TempPrefix, StringComparison.Ordinal))
            {
                throw new ArgumentException($"blob name \"{blob.Name}\" uses the reserved prefix \"{TempPrefix}\" of the local store's temporary files", nameof(blob));
            }
        }

        var relative = blob.Name.TrimEnd('/').Replace('/', System.IO.Path.DirectorySeparatorChar);
        var full = System.IO.Path.GetFullPath(System.IO.Path.Join(Path, blob.Container, relative));
        if (!full.StartsWith(Path + System.IO.Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new UnauthorizedAccessException($"blob \"{blob}\" resolves to \"{full}\", outside the store root \"{Path}\"");
        }

        // Walk the existing components below the root: one lstat each, a link resolved only where there is one.
        var current = Path;
        foreach (var part in full[(Path.Length + 1)..].Split(System.IO.Path.DirectorySeparatorChar))
        {
            current = System.IO.Path.Join(current, part);
            var info = new FileInfo(current);
            if (!info.Exists && !Directory.Exists(current) && info.LinkTarget is null)
            {
                break;
            }

            if (info.LinkTarget is not null)
            {
                CheckLink(current, blob);
            }
        }

        return full;
    }

    /// <summary>True when a real path (links resolved) lies inside the root's real location.</summary>
    public bool IsInside(string realPath) =>
        realPath == _realRoot || realPath.StartsWith(_realRoot + System.IO.Path.DirectorySeparatorChar, StringComparison.Ordinal);
}
