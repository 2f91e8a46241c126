// Training sample stream (model.md §1.3): shuffled epochs over the images that have instances, LSJ on background
// threads, deterministic for a seed regardless of thread timing.

using DiMaskDino.Model.Data.Augmentation;

namespace DiMaskDino.Model.Data;

/// <summary>Settings of <see cref="TrainingLoader"/>.</summary>
public sealed record TrainingLoaderOptions
{
    /// <summary>Seeds the epoch shuffles and every sample's augmentation.</summary>
    public ulong Seed { get; init; }

    /// <summary>Background threads decoding and augmenting.</summary>
    public int Workers { get; init; } = 2;

    /// <summary>Finished samples each worker may hold ahead of the consumer.</summary>
    public int PrefetchPerWorker { get; init; } = 4;

    /// <summary>Shuffle the image order of every epoch (otherwise file order).</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>Stream position to start at (a resumed run continues where its checkpoint's loader stood).</summary>
    public long StartPosition { get; init; }
}

/// <summary>
/// An endless stream of augmented training samples. Epoch e visits the images with instances in a permutation drawn
/// from (seed, e); the sample at stream position p is augmented with <c>SplitMix64(Mix(seed, p))</c>. So the stream is
/// the same for a seed with any number of workers. Samples whose instances all fell outside the crop are skipped
/// (images without instances never enter). Create and consume on one thread; <see cref="Dispose"/> stops the workers.
/// </summary>
public sealed class TrainingLoader : IDisposable
{
    private const ulong ShuffleStream = 0x5348_5546_464C_4521UL;

    private readonly CocoInstanceDataset _dataset;
    private readonly LargeScaleJitter _augmentation;
    private readonly TrainingLoaderOptions _options;
    private readonly OrderedPrefetcher<InstanceSample> _prefetcher;
    private readonly int _epochLength;

    // Per worker: the epoch whose image order it holds (each worker touches only its own slot).
    private readonly (long Epoch, int[]? Order)[] _orders;

    public TrainingLoader(CocoInstanceDataset dataset, LargeScaleJitter augmentation, TrainingLoaderOptions options)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(augmentation);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Workers);
        ArgumentOutOfRangeException.ThrowIfNegative(options.StartPosition);
        _epochLength = dataset.IndicesWithInstances.Count;
        if (_epochLength == 0)
        {
            throw new InvalidDataException($"{dataset.AnnotationsPath}: no image has a non-crowd annotation with a mask; nothing to train on");
        }

        _dataset = dataset;
        _augmentation = augmentation;
        _options = options;
        _orders = new (long, int[]?)[options.Workers];
        _prefetcher = new OrderedPrefetcher<InstanceSample>(Produce, count: null, options.Workers, options.PrefetchPerWorker, "dimaskdino-train-loader");
    }

    /// <summary>Images per epoch (those with instances).</summary>
    public int EpochLength => _epochLength;

    /// <summary>Stream positions consumed so far, skipped samples included; the epoch is <c>Position / EpochLength</c>.</summary>
    public long Position => _options.StartPosition + _prefetcher.Position;

    /// <summary>Samples skipped because augmentation left no instance.</summary>
    public long Skipped { get; private set; }

    /// <summary>The next sample with at least one instance, canvas-sized.</summary>
    /// <exception cref="InvalidDataException">No instance survived augmentation in many consecutive samples.</exception>
    public InstanceSample Next(CancellationToken cancellationToken = default)
    {
        var limit = Math.Max(1000, 10L * _epochLength);
        for (long attempt = 0; attempt < limit; attempt++)
        {
            if (!_prefetcher.TryTake(out var sample, cancellationToken))
            {
                throw new ObjectDisposedException(nameof(TrainingLoader));
            }

            if (sample is not null)
            {
                return sample;
            }

            Skipped++;
        }

        throw new InvalidDataException($"{_dataset.AnnotationsPath}: {limit} consecutive training samples lost all instances to augmentation; check the masks and the LSJ settings");
    }

    /// <summary>The next <paramref name="batchSize"/> samples.</summary>
    public IReadOnlyList<InstanceSample> NextBatch(int batchSize, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        var batch = new InstanceSample[batchSize];
        for (var i = 0; i < batchSize; i++)
        {
            batch[i] = Next(cancellationToken);
        }

        return batch;
    }

    public void Dispose() => _prefetcher.Dispose();

    /// <summary>Image index (into <see cref="CocoInstanceDataset.Images"/>) at stream position <paramref name="position"/>.</summary>
    internal int ImageIndexAt(long position, ref (long Epoch, int[]? Order) cache)
    {
        var epoch = position / _epochLength;
        if (cache.Order is null || cache.Epoch != epoch)
        {
            var order = _dataset.IndicesWithInstances.ToArray();
            if (_options.Shuffle)
            {
                var random = new SplitMix64(SplitMix64.Mix(_options.Seed ^ ShuffleStream, (ulong)epoch));
                for (var i = order.Length - 1; i > 0; i--)
                {
                    var j = random.Int(0, i + 1);
                    (order[i], order[j]) = (order[j], order[i]);
                }
            }

            cache = (epoch, order);
        }

        return cache.Order[(int)(position % _epochLength)];
    }

    private InstanceSample? Produce(int worker, long prefetcherPosition)
    {
        var position = _options.StartPosition + prefetcherPosition;
        var index = ImageIndexAt(position, ref _orders[worker]);
        var source = _dataset.Load(index);
        var sample = _augmentation.Apply(source, new SplitMix64(SplitMix64.Mix(_options.Seed, (ulong)position)));
        return sample.Count > 0 ? sample : null;
    }
}
