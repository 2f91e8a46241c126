using System.Globalization;
using DiMaskDino.Pipeline.Tests.Fixtures;
using Xunit.Abstractions;

namespace DiMaskDino.IntegrationTests.Chaos;

/// <summary>
/// Nothing stops a job (issue 14): labeling through two <c>DiMaskDino.Worker</c> processes on Azurite finishes with every
/// image exactly once and the bytes of a quiet run, while workers are SIGKILLed, Azurite goes down for seconds, and shard
/// messages arrive twice. Runs its own Azurite (the one it stops), so it needs no collection.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ChaosTests(TinyModel model, ITestOutputHelper output) : IClassFixture<TinyModel>
{
    /// <summary>Images of the <c>bench chaos</c> run; the bench is skipped unless this is set.</summary>
    public const string BenchImagesVariable = "DIMASKDINO_CHAOS_IMAGES";

    /// <summary>Seed of the <c>bench chaos</c> fault plan (default 14).</summary>
    public const string BenchSeedVariable = "DIMASKDINO_CHAOS_SEED";

    [Fact]
    public async Task A_job_survives_killed_workers_an_azurite_outage_and_duplicate_messages_with_every_image_once_and_the_quiet_runs_bytes()
    {
        var report = await new ChaosRun(model, new ChaosOptions { Images = 150 }, output.WriteLine).RunAsync();

        AssertSurvived(report);
    }

    /// <summary>
    /// <c>bench chaos</c>: the same scenario, longer, for docs/benchmarks.md:
    /// <c>DIMASKDINO_CHAOS_IMAGES=2000 dotnet test tests/DiMaskDino.IntegrationTests --filter "FullyQualifiedName~ChaosTests.Bench" --logger "console;verbosity=detailed"</c>
    /// (docs/benchmarks.md, "Chaos").
    /// </summary>
    [SkippableFact]
    public async Task Bench_chaos()
    {
        var images = Environment.GetEnvironmentVariable(BenchImagesVariable);
        Skip.If(images is null, $"set {BenchImagesVariable} to run the chaos benchmark");
        var seed = Environment.GetEnvironmentVariable(BenchSeedVariable) is { } s ? int.Parse(s, CultureInfo.InvariantCulture) : 14;

        var report = await new ChaosRun(model, ChaosOptions.Scaled(int.Parse(images, CultureInfo.InvariantCulture), seed), output.WriteLine).RunAsync();

        AssertSurvived(report);
    }

    private void AssertSurvived(ChaosReport report)
    {
        output.WriteLine(report.ToMarkdown());
        Assert.Equal(report.Planned, report.Faults.Count); // every planned fault landed while the job ran
        Assert.All(Enum.GetValues<FaultKind>(), kind => Assert.True(report.Count(kind) > 0, $"no {kind} was injected"));
        long images = report.Options.Images;
        Assert.Equal((images, images, 0L), (report.Summary.ImagesTotal, report.Summary.ImagesLabeled, report.Summary.ImagesFailed));
        Assert.Equal(report.UploadedNames, report.LabeledNames); // every image exactly once, in order
        Assert.True(report.Identical, "annotations.json of the chaos run differs from the quiet run's");
    }
}
