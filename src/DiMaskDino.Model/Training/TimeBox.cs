using System.Diagnostics;

namespace DiMaskDino.Model.Training;

/// <summary>
/// A time-boxed run's length (model.md §12): after the first timed steps the run plans 0.95 · budget / step time
/// iterations; after every epoch it measures again with evaluation and checkpoints included and shortens the plan
/// if it would overrun; and once the budget is spent the run ends at the next step.
/// </summary>
internal sealed class TimeBox(TimeSpan budget, int timingSteps)
{
    private const double Margin = 0.95;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public bool Expired => _clock.Elapsed >= budget;

    /// <summary>The planned total after <paramref name="done"/> iterations when they are the timing steps, else null.</summary>
    public int? PlanAfterTimingSteps(int done)
    {
        if (done != timingSteps)
        {
            return null;
        }

        var secondsPerStep = _clock.Elapsed.TotalSeconds / timingSteps;
        return Math.Max(timingSteps + 1, (int)(Margin * budget.TotalSeconds / secondsPerStep));
    }

    /// <summary>
    /// The total after an epoch ending at <paramref name="done"/>: unchanged when the measured pace (evaluation included)
    /// finishes it within the budget, else as many iterations as fit.
    /// </summary>
    public int ReplanAtEpochEnd(int done, int total)
    {
        var secondsPerIteration = _clock.Elapsed.TotalSeconds / Math.Max(1, done);
        var remaining = Margin * budget.TotalSeconds - _clock.Elapsed.TotalSeconds;
        var fits = done + (int)Math.Max(0, remaining / secondsPerIteration);
        return Math.Min(total, Math.Max(done, fits));
    }
}
