using DiMaskDino.Pipeline.Jobs;

namespace DiMaskDino.Pipeline.Review;

/// <summary>
/// Builds a job's review queue from its shard results, fed in any order one at a time (the finalizer feeds them in
/// shard order next to the annotations): each labeled image is scored as it comes (<see cref="ReviewScorer"/>) and
/// only its entry is kept; <see cref="Build"/> ranks them by score descending, ties by file name (ordinal).
/// </summary>
/// <remarks>Memory: one entry per image (file name, score and its reasons), not the masks.</remarks>
public sealed class ReviewQueue
{
    private readonly JobRecord _job;
    private readonly ReviewOptions _options;
    private readonly List<ReviewedImage> _images = [];
    private readonly List<FailureEntry> _failures = [];
    private readonly Dictionary<int, string> _names = [];
    private readonly ReviewScorer _scorer;

    public ReviewQueue(JobRecord job, ReviewOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(job);
        _job = job;
        _options = options ?? new ReviewOptions();
        _scorer = new ReviewScorer(_options, job.Request.Thresholds.ScoreThreshold, id => _names.TryGetValue(id, out var name) ? name : $"category {id}");
    }

    public void Add(ShardResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        foreach (var category in result.Categories ?? [])
        {
            _names.TryAdd(category.Id, category.Name);
        }

        var prefix = _job.Request.ImagesPrefix;
        foreach (var image in result.Images)
        {
            var fileName = image.Name.StartsWith(prefix, StringComparison.Ordinal) ? image.Name[prefix.Length..] : image.Name;
            if (image.Failure is { } failure)
            {
                _failures.Add(new FailureEntry(fileName, failure.Reason));
                continue;
            }

            _images.Add(_scorer.Score(fileName, image.Id, image.Width, image.Height, [.. image.Instances.Select(i => InstanceMeasures.Of(i, image.Height, image.Width))]));
        }
    }

    /// <summary>The ranked queue; failures in file-name order.</summary>
    public ReviewDocument Build()
    {
        var ranked = _images.Order(RankOrder.Instance).Select((image, i) => image with { Rank = i + 1 }).ToArray();
        var failures = _failures.OrderBy(f => f.FileName, StringComparer.Ordinal).ToArray();
        return new ReviewDocument(_job.JobId, _job.Request.Dataset, _job.Request.Thresholds.ScoreThreshold, _options, ranked, failures);
    }

    /// <summary>Score descending, then file name in ordinal order.</summary>
    public sealed class RankOrder : IComparer<ReviewedImage>
    {
        public static RankOrder Instance { get; } = new();

        public int Compare(ReviewedImage? x, ReviewedImage? y)
        {
            ArgumentNullException.ThrowIfNull(x);
            ArgumentNullException.ThrowIfNull(y);
            int order = y.Score.CompareTo(x.Score);
            return order != 0 ? order : string.CompareOrdinal(x.FileName, y.FileName);
        }
    }
}
