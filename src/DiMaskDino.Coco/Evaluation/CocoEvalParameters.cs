namespace DiMaskDino.Coco.Evaluation;

/// <summary>An area range; bounds are inclusive at both ends, as in pycocotools.</summary>
public sealed record AreaRange(string Label, double Min, double Max);

/// <summary>
/// COCOeval parameters with pycocotools' defaults. Dimension letters used throughout:
/// T IoU thresholds, R recall thresholds, K categories, A area ranges, M max detections.
/// </summary>
public sealed record CocoEvalParameters
{
    /// <summary>np.linspace(.5, .95, 10): i * step + start, the last one forced to the stop value.</summary>
    public static readonly IReadOnlyList<double> DefaultIouThresholds = Linspace(0.5, 0.95, 10);

    /// <summary>np.linspace(0, 1, 101): i * 0.01 in doubles, not i / 100.</summary>
    public static readonly IReadOnlyList<double> DefaultRecallThresholds = Linspace(0.0, 1.0, 101);

    public static readonly IReadOnlyList<int> DefaultMaxDetections = [1, 10, 100];

    public static readonly IReadOnlyList<AreaRange> DefaultAreaRanges =
    [
        new("all", 0, 1e10),
        new("small", 0, 32 * 32),
        new("medium", 32 * 32, 96 * 96),
        new("large", 96 * 96, 1e10),
    ];

    public IouType IouType { get; init; } = IouType.Bbox;

    /// <summary>When false, categories are ignored when matching (pycocotools <c>useCats = 0</c>).</summary>
    public bool UseCategories { get; init; } = true;

    public IReadOnlyList<double> IouThresholds { get; init; } = DefaultIouThresholds;

    public IReadOnlyList<double> RecallThresholds { get; init; } = DefaultRecallThresholds;

    /// <summary>Ascending; the last one caps detections per image and category.</summary>
    public IReadOnlyList<int> MaxDetections { get; init; } = DefaultMaxDetections;

    public IReadOnlyList<AreaRange> AreaRanges { get; init; } = DefaultAreaRanges;

    internal int MaxDetectionsPerImage => MaxDetections[^1];

    internal void Validate()
    {
        if (IouThresholds.Count == 0 || RecallThresholds.Count == 0 || MaxDetections.Count == 0 || AreaRanges.Count == 0)
        {
            throw new ArgumentException("COCOeval parameters need at least one IoU threshold, recall threshold, max-detections value and area range");
        }

        for (var i = 1; i < MaxDetections.Count; i++)
        {
            if (MaxDetections[i] < MaxDetections[i - 1])
            {
                throw new ArgumentException("MaxDetections must be ascending");
            }
        }

        if (MaxDetections[0] < 1)
        {
            throw new ArgumentException("MaxDetections must be positive");
        }
    }

    private static double[] Linspace(double start, double stop, int count)
    {
        var step = (stop - start) / (count - 1);
        var values = new double[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = i * step + start;
        }

        values[^1] = stop;
        return values;
    }
}
