// The fixed denoising assignment of model.md §8.4: in every group g, DN slot g·pad + j is matched to GT j of its image
// (j < that image's GT count); padding slots stay unmatched (background for the class loss).
using DiMaskDino.Model.Matching;

namespace DiMaskDino.Model.Losses;

/// <summary>Builds the DN query ↔ GT pairs without any matching.</summary>
public static class DenoisingAssignment
{
    /// <param name="targetCounts">n_b, the GT count of each image</param>
    /// <param name="groups">denoising groups ≥ 1</param>
    /// <param name="slotsPerGroup">pad = n_max ≥ every n_b</param>
    /// <returns>one match per image: queries g·pad + j (ascending, groups outer), targets j.</returns>
    public static IReadOnlyList<ImageMatch> Build(IReadOnlyList<int> targetCounts, int groups, int slotsPerGroup)
    {
        ArgumentNullException.ThrowIfNull(targetCounts);
        ArgumentOutOfRangeException.ThrowIfLessThan(groups, 1);
        var matches = new ImageMatch[targetCounts.Count];
        for (var b = 0; b < targetCounts.Count; b++)
        {
            var count = targetCounts[b];
            if (count > slotsPerGroup)
            {
                throw new ArgumentException(
                    $"image {b} has {count} objects but a denoising group has only {slotsPerGroup} slots");
            }

            var queries = new int[groups * count];
            var targets = new int[groups * count];
            for (var g = 0; g < groups; g++)
            {
                for (var j = 0; j < count; j++)
                {
                    queries[g * count + j] = g * slotsPerGroup + j;
                    targets[g * count + j] = j;
                }
            }

            matches[b] = count == 0 ? ImageMatch.Empty : new ImageMatch(queries, targets);
        }

        return matches;
    }
}
