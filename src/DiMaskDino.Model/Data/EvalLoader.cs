// Evaluation input stream (model.md §1.5): every image of a dataset in file order, letterboxed on background threads.

using DiMaskDino.Model.Data.Augmentation;

namespace DiMaskDino.Model.Data;

/// <summary>Reads every image of a dataset, in order, letterboxed for evaluation.</summary>
public static class EvalLoader
{
    /// <summary>
    /// Yields one <see cref="EvalSample"/> per image of <paramref name="dataset"/> (crowd-only and empty images
    /// included), decoded and letterboxed on <paramref name="workers"/> background threads. Stopping the enumeration
    /// stops the workers.
    /// </summary>
    public static IEnumerable<EvalSample> Read(
        CocoInstanceDataset dataset, Letterbox letterbox, int workers = 2, int prefetchPerWorker = 4, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(letterbox);
        return Iterate(dataset, letterbox, workers, prefetchPerWorker, cancellationToken);
    }

    private static IEnumerable<EvalSample> Iterate(
        CocoInstanceDataset dataset, Letterbox letterbox, int workers, int prefetchPerWorker, CancellationToken cancellationToken)
    {
        using var prefetcher = new OrderedPrefetcher<EvalSample>(
            (_, position) => letterbox.Apply(dataset.Images[(int)position].Id, dataset.LoadImage((int)position)),
            dataset.Images.Count,
            workers,
            prefetchPerWorker,
            "dimaskdino-eval-loader");
        while (prefetcher.TryTake(out var sample, cancellationToken))
        {
            yield return sample!;
        }
    }
}
