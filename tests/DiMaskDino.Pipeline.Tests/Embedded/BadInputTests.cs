using System.Text.Json;
using DiMaskDino.Coco;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Tests.Fixtures;
using Xunit.Abstractions;

namespace DiMaskDino.Pipeline.Tests.Embedded;

[Collection(PipelineCollection.Name)]
public sealed class BadInputTests(TinyModel model, ITestOutputHelper output)
{
    [Fact]
    public async Task Every_awkward_file_is_labeled_at_its_displayed_size_or_listed_with_a_precise_reason_and_the_job_completes()
    {
        using var harness = new EmbeddedHarness(model);
        var (good, bad) = BadImages.WriteAll(harness.Input);

        var result = await harness.RunAsync(harness.Request(shardSize: 3));

        Assert.Equal(JobState.Completed, result.Job.State);
        Assert.Equal((10L, 6L, 4L), (result.Summary.ImagesTotal, result.Summary.ImagesLabeled, result.Summary.ImagesFailed));
        var file = harness.TempFile("annotations.json");
        await File.WriteAllBytesAsync(file, await harness.OutputAsync(result.Job.JobId, JobPaths.AnnotationsFile));
        var dataset = CocoFiles.ReadDataset(file);
        Assert.Equal(good.Keys.Order(StringComparer.Ordinal), dataset.Images.Select(i => i.FileName));
        foreach (var image in dataset.Images)
        {
            Assert.Equal(good[image.FileName], (image.Width, image.Height));
        }

        var failures = JsonSerializer.Deserialize<List<Dictionary<string, string>>>(await harness.OutputAsync(result.Job.JobId, JobPaths.FailuresFile))!;
        foreach (var failure in failures)
        {
            output.WriteLine($"{failure["file_name"]}: {failure["reason"]}");
        }

        Assert.Equal(bad, failures.Select(f => f["file_name"]));
        var reasons = failures.ToDictionary(f => f["file_name"], f => f["reason"]);
        Assert.Contains("empty", reasons["empty.jpg"], StringComparison.OrdinalIgnoreCase);
        Assert.Contains("100000x100000", reasons["huge-header.png"], StringComparison.Ordinal);
        Assert.Contains("not an image", reasons["text.jpg"], StringComparison.OrdinalIgnoreCase);
        Assert.Matches("(?i)truncated|damaged", reasons["truncated.jpg"]);
    }
}
