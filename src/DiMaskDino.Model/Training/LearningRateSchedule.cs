namespace DiMaskDino.Model.Training;

/// <summary>
/// detectron2's WarmupMultiStepLR with one milestone: linear warm-up from <c>warmupFactor</c>, then ×<c>decayFactor</c>
/// once <c>decayAt · totalIterations</c> iterations are done.
/// </summary>
public sealed record LearningRateSchedule(int TotalIterations, int WarmupIterations, double WarmupFactor, double DecayAt, double DecayFactor)
{
    public static LearningRateSchedule From(TrainingOptions options, int totalIterations) =>
        new(totalIterations, options.WarmupIterations, options.WarmupFactor, options.DecayAt, options.DecayFactor);

    public int DecayIteration => (int)Math.Round(DecayAt * TotalIterations);

    /// <summary>Multiplier on the base learning rate at 0-based <paramref name="iteration"/>.</summary>
    public double Factor(int iteration)
    {
        var factor = iteration >= DecayIteration ? DecayFactor : 1.0;
        if (iteration < WarmupIterations)
        {
            var alpha = (double)iteration / WarmupIterations;
            factor *= WarmupFactor * (1 - alpha) + alpha;
        }

        return factor;
    }
}
