namespace DiMaskDino.Model.Common;

/// <summary>
/// Spatial sizes of flattened multi-scale feature levels, in the order they are concatenated, and where each
/// level starts in the flattened sequence (model.md §3.3, §4.1).
/// </summary>
public sealed class LevelShapes
{
    public LevelShapes(IReadOnlyList<(long Height, long Width)> sizes)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        Sizes = [.. sizes];
        var starts = new long[Sizes.Count];
        long total = 0;
        for (var l = 0; l < Sizes.Count; l++)
        {
            starts[l] = total;
            total += Sizes[l].Height * Sizes[l].Width;
        }

        Starts = starts;
        TotalTokens = total;
    }

    public IReadOnlyList<(long Height, long Width)> Sizes { get; }

    /// <summary>level_start: Σ_{m&lt;l} H_m·W_m.</summary>
    public IReadOnlyList<long> Starts { get; }

    /// <summary>S = Σ H_l·W_l.</summary>
    public long TotalTokens { get; }

    public int Count => Sizes.Count;

    public long TokenCount(int level) => Sizes[level].Height * Sizes[level].Width;

    /// <summary>The same levels in reverse order (the decoder's order, model.md §4.1).</summary>
    public LevelShapes Reversed() => new([.. Sizes.Reverse()]);
}
