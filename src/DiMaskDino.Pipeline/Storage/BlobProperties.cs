namespace DiMaskDino.Pipeline.Storage;

/// <summary>What a listing or a property read tells about one blob. <see cref="ETag"/> changes whenever the content does.</summary>
public sealed record BlobProperties(BlobPath Path, long Length, string ETag, DateTimeOffset LastModified)
{
    /// <summary>
    /// Set by a listing for an entry that is there but cannot be read as a blob (a link leading outside the input, a
    /// FIFO, a name that is not valid UTF-8, ...): why, in words. Such an entry is reported, never opened.
    /// </summary>
    public string? Problem { get; init; }

    /// <summary>True for a problem entry that is a folder (reported whatever its name looks like).</summary>
    public bool IsFolder { get; init; }

    /// <summary>A listing entry that cannot be read, with the reason; its ETag names the reason so an unchanged problem is carried by incremental jobs.</summary>
    public static BlobProperties Unreadable(BlobPath path, string problem, bool isFolder = false) =>
        new(path, 0, "\"unreadable-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(problem)))[..16] + "\"", DateTimeOffset.UnixEpoch) { Problem = problem, IsFolder = isFolder };
}
