using DiMaskDino.Coco;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Review;
using DiMaskDino.Pipeline.Tests.Fixtures;

namespace DiMaskDino.Pipeline.Tests.Review;

/// <summary>The finalizer writes the review queue next to the annotations, from the real model's shard results.</summary>
[Collection(PipelineCollection.Name)]
public sealed class ReviewJobTests(TinyModel model)
{
    [Fact]
    public async Task A_finished_job_ranks_every_labeled_image_lists_failures_apart_and_carries_class_margins()
    {
        using var harness = new EmbeddedHarness(model);
        SyntheticImages.WriteMany(harness.Input, 6);
        await File.WriteAllTextAsync(Path.Combine(harness.Input, "broken.png"), "not a png");

        var result = await harness.RunAsync(harness.Request(shardSize: 3));

        var document = await ReviewJson.ReadAsync(new MemoryStream(await harness.OutputAsync(result.Job.JobId, ReviewJson.FileName)), "review.json");
        Assert.Equal([.. Enumerable.Range(0, 6).Select(i => $"img-{i:D3}.png")], document.Images.Select(i => i.FileName).Order(StringComparer.Ordinal));
        Assert.Equal([1, 2, 3, 4, 5, 6], document.Images.Select(i => i.Rank));
        Assert.Equal(document.Images.OrderBy(i => i, ReviewQueue.RankOrder.Instance), document.Images);
        Assert.Equal("broken.png", Assert.Single(document.Failures).FileName);
        Assert.All(document.Images, i => Assert.Equal(3, i.Instances));
        Assert.All(document.Images, i => Assert.InRange(i.Score, 0, 1));
        Assert.All(document.Images, i =>
        {
            Assert.All(i.Reasons, r => Assert.InRange(r.Instance!.Value, 0, 2));
            Assert.Equal(1 - i.Reasons.Aggregate(1.0, (keep, r) => keep * (1 - r.Contribution)), i.Score, 6);
        });

        var shard = await harness.Jobs.ReadResultAsync(result.Job.JobId, 0);
        Assert.All(shard!.Images.SelectMany(i => i.Instances), instance =>
        {
            var margin = Assert.IsType<ClassMargin>(instance.ClassMargin);
            Assert.Contains(margin.RunnerUpCategoryId, TinyModel.Categories.Select(c => c.Id));
            Assert.NotEqual(instance.CategoryId, margin.RunnerUpCategoryId);
        });
        var csv = System.Text.Encoding.UTF8.GetString(await harness.OutputAsync(result.Job.JobId, ReviewCsv.FileName));
        Assert.Equal(7, csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);
    }
}
