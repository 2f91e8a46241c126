using System.ComponentModel.DataAnnotations;

namespace DiMaskDino.Functions.Janitor;

/// <summary>When the janitor gives up on a job or nudges it (configuration section <see cref="SectionName"/>).</summary>
public sealed class JanitorOptions
{
    public const string SectionName = "Janitor";

    /// <summary>A running job with shards still without results this long after it was created is marked failed.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan JobDeadline { get; set; } = TimeSpan.FromDays(1);

    /// <summary>A job still planning this long after it was created (the planner died) is marked failed.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan PlanningDeadline { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>A job whose shards all have results but which is still running this long after the last result gets its finalize message again.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan FinalizeGrace { get; set; } = TimeSpan.FromMinutes(10);
}
