namespace DiMaskDino.Pipeline.Finalizing;

/// <summary>Finalizing was refused because some shards have no result yet (or a result disagrees with its manifest).</summary>
public sealed class JobIncompleteException(string jobId, IReadOnlyList<int> missingShards, string message) : Exception(message)
{
    public string JobId { get; } = jobId;

    public IReadOnlyList<int> MissingShards { get; } = missingShards;
}
