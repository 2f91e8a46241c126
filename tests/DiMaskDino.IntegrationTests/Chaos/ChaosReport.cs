using System.Globalization;
using DiMaskDino.Pipeline.Jobs;

namespace DiMaskDino.IntegrationTests.Chaos;

/// <summary>What a <see cref="ChaosRun"/> measured and produced; the checks are the caller's.</summary>
/// <param name="Planned">faults planned; <paramref name="Faults"/> were injected (the job may complete before the last ones)</param>
/// <param name="RedundantShardRuns">shards labeled a second time, whose result another run had written first (a lock lost to a kill or an outage)</param>
/// <param name="LabeledNames">the file names of the chaos run's annotations.json, in image id order</param>
/// <param name="UploadedNames">the images of the request, in order</param>
internal sealed record ChaosReport(
    ChaosOptions Options,
    TimeSpan Quiet,
    TimeSpan Chaos,
    int Planned,
    IReadOnlyList<Fault> Faults,
    int RedundantShardRuns,
    JobSummary Summary,
    IReadOnlyList<string> LabeledNames,
    IReadOnlyList<string> UploadedNames,
    byte[] QuietAnnotations,
    byte[] ChaosAnnotations)
{
    public int Count(FaultKind kind) => Faults.Count(f => f.Kind == kind);

    public TimeSpan TotalOutage => TimeSpan.FromTicks(Faults.Where(f => f.Kind == FaultKind.AzuriteOutage).Sum(f => f.Outage.Ticks));

    public bool Identical => QuietAnnotations.AsSpan().SequenceEqual(ChaosAnnotations);

    /// <summary>The docs/benchmarks.md table header and this run's row.</summary>
    public string ToMarkdown() => string.Create(
        CultureInfo.InvariantCulture,
        $"""
        | images | workers | worker kills | Azurite outages (total) | duplicate messages | shards labeled twice | quiet | chaos | overhead | annotations.json |
        |---|---|---|---|---|---|---|---|---|---|
        | {Options.Images} × {Options.ImageSize} px | {Options.Workers} | {Count(FaultKind.WorkerKill)} | {Count(FaultKind.AzuriteOutage)} ({TotalOutage.TotalSeconds:F0} s) | {Count(FaultKind.DuplicateMessage)} | {RedundantShardRuns} | {Quiet.TotalSeconds:F1} s | {Chaos.TotalSeconds:F1} s | {(Chaos - Quiet).TotalSeconds:+0.0;-0.0} s ({(Chaos / Quiet - 1) * 100:+0;-0}%) | {(Identical ? "byte-identical" : "DIFFERENT")} |
        """);
}
