namespace DiMaskDino.Pipeline.Storage;

/// <summary>
/// A blob address: a container (one of <see cref="Containers"/>) and a name inside it, '/'-separated. Validated on
/// construction so no adapter can be asked to leave its root: no empty segment, no "." or "..", no leading '/' or
/// '\', no NUL. A backslash separates segments on Windows, so the dot-segment rule applies to '\'-separated parts too;
/// otherwise backslashes and control characters are ordinary characters of a name (a file may be called "a\tb.png").
/// </summary>
public readonly record struct BlobPath
{
    public BlobPath(string container, string name)
    {
        Validate(container, name);
        Container = container;
        Name = name;
    }

    public string Container { get; private init; }

    public string Name { get; private init; }

    public BlobPath Child(string relative) => new(Container, Name.Length == 0 ? relative : $"{Name.TrimEnd('/')}/{relative}");

    public override string ToString() => $"{Container}/{Name}";

    /// <summary>
    /// A path that skips validation, for one use only: a listing entry whose name cannot be a blob path, reported as a
    /// per-file failure (<see cref="BlobProperties.Problem"/>) and never read, written or resolved to a file.
    /// </summary>
    internal static BlobPath Unvalidated(string container, string name) => new() { Container = container, Name = name };

    /// <summary>Throws <see cref="ArgumentException"/> naming the offending part when the path could escape its root.</summary>
    public static void Validate(string container, string name)
    {
        ArgumentNullException.ThrowIfNull(container);
        ArgumentNullException.ThrowIfNull(name);
        if (container.Length is < 3 or > 63 || !container.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-'))
        {
            throw new ArgumentException($"container \"{container}\" is not a valid container name (3-63 of a-z, 0-9, '-')", nameof(container));
        }

        if (name.Length == 0)
        {
            return;
        }

        if (name.Length > 1024)
        {
            throw new ArgumentException($"blob name \"{name[..40]}...\" is longer than 1024 characters", nameof(name));
        }

        if (name[0] is '/' or '\\' || name.Contains('\0') || (name.Length > 1 && name[1] == ':'))
        {
            throw new ArgumentException($"blob name \"{name}\" must be relative, '/'-separated and free of NUL characters", nameof(name));
        }

        foreach (var segment in name.TrimEnd('/').Split('/'))
        {
            if (segment is "" || segment.Split('\\').Any(part => part is "." or ".."))
            {
                throw new ArgumentException($"blob name \"{name}\" has an empty, \".\" or \"..\" segment", nameof(name));
            }
        }
    }
}
