using System.ComponentModel.DataAnnotations;

namespace DiMaskDino.Worker;

/// <summary>The worker process (configuration section <see cref="SectionName"/>).</summary>
public sealed class WorkerOptions : IValidatableObject
{
    public const string SectionName = "Worker";

    /// <summary>Port of <c>/healthz</c> and <c>/readyz</c> (0: any free port, for tests).</summary>
    [Range(0, 65535)]
    public int HealthPort { get; set; } = 8080;

    /// <summary>The slowest shard expected: Service Bus locks are renewed automatically for this long per message.</summary>
    [Range(typeof(TimeSpan), "00:00:30", "1.00:00:00")]
    public TimeSpan MaxShardDuration { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How long the host waits on SIGTERM (HostOptions.ShutdownTimeout). Receiving stops at once; the shard in hand may
    /// finish within <see cref="ShutdownTimeout"/> − <see cref="SettleMargin"/>, after which it is cancelled and abandoned
    /// (never completed unfinished). Keep the container's termination grace period above it.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Time kept back from <see cref="ShutdownTimeout"/> to abandon the cancelled message and stop.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan SettleMargin { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Folder for downloaded model blobs (one file per name + ETag).</summary>
    [Required]
    public string ModelCacheDirectory { get; set; } = Path.Combine(Path.GetTempPath(), "dimaskdino-models");

    /// <summary>Pause after a receive failure (queue unreachable) before trying again.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long an in-flight message may run on after SIGTERM before it is cancelled.</summary>
    public TimeSpan DrainTimeout => ShutdownTimeout > SettleMargin ? ShutdownTimeout - SettleMargin : TimeSpan.Zero;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (SettleMargin >= ShutdownTimeout)
        {
            yield return new ValidationResult("Worker:SettleMargin must be shorter than Worker:ShutdownTimeout", [nameof(SettleMargin)]);
        }
    }
}
