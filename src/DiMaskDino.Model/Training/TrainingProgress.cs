namespace DiMaskDino.Model.Training;

/// <summary>What the loop reports to its host after every step (progress bars) and evaluation.</summary>
/// <param name="MainLosses">the last decoder layer's unweighted loss terms at logged steps (ce, bbox, giou, mask, dice), else empty</param>
public sealed record TrainingProgress(
    int Epoch, int Iteration, int TotalIterations, double Loss, double ImagesPerSecond, string? Message = null,
    IReadOnlyList<(string Term, double Value)>? MainLosses = null)
{
    /// <summary>How a fine-tuning checkpoint's classes were mapped (reported once, before the first step).</summary>
    public ClassMapping? Mapping { get; init; }
}
