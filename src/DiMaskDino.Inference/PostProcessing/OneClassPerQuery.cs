// Labels-mode rule 1 (docs/labels.md): one class per object.

namespace DiMaskDino.Inference.PostProcessing;

/// <summary>
/// The official top-k ranks (query, class) pairs, so one query (one object) can appear under several classes with the
/// same mask. As a label it is one object: only the query's best-scoring entry is kept (the first one on a tie).
/// </summary>
public static class OneClassPerQuery
{
    /// <returns>The kept instances in their input order.</returns>
    public static IReadOnlyList<InstancePrediction> Apply(IReadOnlyList<InstancePrediction> instances)
    {
        ArgumentNullException.ThrowIfNull(instances);
        var best = new Dictionary<int, int>();
        for (int i = 0; i < instances.Count; i++)
        {
            if (!best.TryGetValue(instances[i].Query, out int j) || instances[i].Score > instances[j].Score)
            {
                best[instances[i].Query] = i;
            }
        }

        return [.. instances.Where((instance, i) => best[instance.Query] == i)];
    }
}
