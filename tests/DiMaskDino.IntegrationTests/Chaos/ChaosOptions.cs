namespace DiMaskDino.IntegrationTests.Chaos;

/// <summary>The size of a chaos run (<see cref="ChaosRun"/>): the job, the workers and how many faults of each kind.</summary>
internal sealed record ChaosOptions
{
    public int Images { get; init; } = 200;

    /// <summary>Width and height of the synthetic images, in pixels.</summary>
    public int ImageSize { get; init; } = 64;

    public int ShardSize { get; init; } = 8;

    public int Workers { get; init; } = 2;

    public int WorkerKills { get; init; } = 3;

    public int AzuriteOutages { get; init; } = 2;

    public int Duplicates { get; init; } = 4;

    public TimeSpan ShortestOutage { get; init; } = TimeSpan.FromSeconds(3);

    public TimeSpan LongestOutage { get; init; } = TimeSpan.FromSeconds(6);

    /// <summary>
    /// Deliveries before a shard message is poisoned. Above the default 5: each kill and outage costs the messages in
    /// hand a delivery, and this run is about losing nothing, not about the poison threshold (DistributedPipelineTests).
    /// </summary>
    public int MaxDeliveryCount { get; init; } = 10;

    /// <summary>A message's lock (Storage-queue visibility timeout): a killed worker's shards come back after this.</summary>
    public TimeSpan LockDuration { get; init; } = TimeSpan.FromSeconds(5);

    public int Seed { get; init; } = 14;

    /// <summary>Longest wait for one job to complete.</summary>
    public TimeSpan Patience { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>A run sized for <paramref name="images"/> images: one kill per 200 images, one outage per 400, one duplicate per 100 (at least 3, 2 and 4).</summary>
    public static ChaosOptions Scaled(int images, int seed) => new()
    {
        Images = images,
        WorkerKills = Math.Max(3, images / 200),
        AzuriteOutages = Math.Max(2, images / 400),
        Duplicates = Math.Max(4, images / 100),
        Seed = seed,
        Patience = TimeSpan.FromMinutes(30),
    };
}
