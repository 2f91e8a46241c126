namespace DiMaskDino.Model.Training;

/// <summary>What the loop reports to its host after every step (progress bars) and evaluation.</summary>
public sealed record TrainingProgress(
    int Epoch, int Iteration, int TotalIterations, double Loss, double ImagesPerSecond, string? Message = null);
