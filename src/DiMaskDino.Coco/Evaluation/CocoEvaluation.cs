namespace DiMaskDino.Coco.Evaluation;

/// <summary>Metrics of one category at one area range (maxDets = last value).</summary>
/// <param name="Ap">mean precision over IoU thresholds and recall points, -1 when undefined</param>
/// <param name="Ap50">the same at the IoU threshold 0.5 only</param>
/// <param name="Ar">mean recall over IoU thresholds</param>
public sealed record AreaMetrics(string Area, double Ap, double Ap50, double Ar);

/// <param name="CategoryId">-1 when categories are not used</param>
public sealed record CategoryEvaluation(int CategoryId, string Name, IReadOnlyList<AreaMetrics> Areas)
{
    public AreaMetrics this[string area] => Areas.First(m => m.Area == area);
}

/// <summary>The outcome of evaluate → accumulate → summarize for one IoU type.</summary>
public sealed record CocoEvaluation(
    CocoEvalParameters Parameters,
    IReadOnlyList<long> ImageIds,
    IReadOnlyList<int> CategoryIds,
    PrecisionRecall Arrays,
    IReadOnlyList<double> Stats,
    string SummaryText,
    IReadOnlyList<CategoryEvaluation> PerCategory,
    IReadOnlyList<ImageEvaluation>? ImageRecords)
{
    public IouType IouType => Parameters.IouType;

    /// <summary>Wall time of each phase of this run.</summary>
    public EvaluationTimings? Timings { get; init; }

    public static readonly IReadOnlyList<string> StatNames =
    [
        "AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl",
    ];
}

/// <summary>Wall time per phase: loadRes/_prepare, evaluate, accumulate, summarize.</summary>
public sealed record EvaluationTimings(TimeSpan Prepare, TimeSpan Evaluate, TimeSpan Accumulate, TimeSpan Summarize);
