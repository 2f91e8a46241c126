namespace DiMaskDino.Pipeline.Storage;

/// <summary>Paths compared as the file system sees them: every symbolic link along the way resolved.</summary>
public static class RealPaths
{
    /// <summary>
    /// The absolute path with every symbolic link along it replaced by its final target (what realpath(3) gives);
    /// components that do not exist yet are kept as they are. Throws <see cref="IOException"/> on a link loop.
    /// </summary>
    public static string Of(string path)
    {
        var fullPath = Path.GetFullPath(path);
        var result = Path.GetPathRoot(fullPath)!;
        foreach (var part in fullPath[result.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            var next = Path.Join(result, part);
            var info = new FileInfo(next);
            if (info.LinkTarget is not null)
            {
                var target = info.ResolveLinkTarget(returnFinalTarget: true)
                    ?? throw new IOException($"symbolic link \"{next}\" could not be resolved");
                next = Of(target.FullName);
            }

            result = next;
        }

        return Path.TrimEndingDirectorySeparator(result);
    }

    /// <summary>True when <paramref name="inner"/> is <paramref name="outer"/> or lies below it, both compared after resolving links.</summary>
    public static bool IsSameOrInside(string inner, string outer)
    {
        var (a, b) = (Of(inner), Of(outer));
        return a == b || a.StartsWith(b.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal);
    }
}
