namespace DiMaskDino.Pipeline.Planning;

/// <summary>What planning found: images to run the model on, carried over from the base job, removed since it, and
/// listed blobs that are not images.</summary>
public sealed record PlanCounts(long ToLabel, long Carried, long Removed, long Skipped, int Shards, long MaxImageId)
{
    public long Total => ToLabel + Carried;

    /// <summary>Nothing to label and nothing removed: the base job's output is still exact.</summary>
    public bool UpToDate => ToLabel == 0 && Removed == 0;
}
