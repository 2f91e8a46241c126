namespace DiMaskDino.IntegrationTests.Chaos;

/// <summary>A kind of fault a chaos run injects.</summary>
internal enum FaultKind
{
    /// <summary>A worker process is SIGKILLed and a new one started in its place.</summary>
    WorkerKill,

    /// <summary>Azurite (blobs and queues) is stopped for a few seconds and started again.</summary>
    AzuriteOutage,

    /// <summary>A shard message that was already sent is sent again.</summary>
    DuplicateMessage,
}

/// <param name="At">time after the job's workers were started</param>
/// <param name="Pick">which worker or shard, modulo their count</param>
/// <param name="Outage">
/// how long an <see cref="FaultKind.AzuriteOutage"/> keeps Azurite stopped (planned); once injected, how long storage
/// was unavailable (until both services answered again)
/// </param>
internal sealed record Fault(TimeSpan At, FaultKind Kind, int Pick, TimeSpan Outage);

/// <summary>The seeded schedule of a chaos run's faults: the same options and quiet-run time give the same plan.</summary>
internal static class ChaosPlan
{
    /// <summary>
    /// Spreads the faults over 15–75% of <paramref name="quiet"/> (the same job's time without faults): after the
    /// workers have started, and while the (slower) faulty job is still running.
    /// </summary>
    public static IReadOnlyList<Fault> Create(ChaosOptions options, TimeSpan quiet)
    {
        var random = new Random(options.Seed);
        var kinds = Enumerable.Repeat(FaultKind.WorkerKill, options.WorkerKills)
            .Concat(Enumerable.Repeat(FaultKind.AzuriteOutage, options.AzuriteOutages))
            .Concat(Enumerable.Repeat(FaultKind.DuplicateMessage, options.Duplicates));
        return
        [
            .. kinds.Select(kind => new Fault(
                quiet * (0.15 + 0.6 * random.NextDouble()),
                kind,
                random.Next(int.MaxValue),
                options.ShortestOutage + (options.LongestOutage - options.ShortestOutage) * random.NextDouble()))
            .OrderBy(f => f.At),
        ];
    }
}
