using DiMaskDino.Coco;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Planning;
using DiMaskDino.Pipeline.Tests.Fixtures;

namespace DiMaskDino.Pipeline.Tests.Embedded;

[Collection(PipelineCollection.Name)]
public sealed class IncrementalLabelingTests(TinyModel model)
{
    [Fact]
    public async Task Adding_changing_and_removing_images_labels_only_the_new_and_changed_ones_and_keeps_ids_stable()
    {
        using var harness = new EmbeddedHarness(model);
        SyntheticImages.WriteMany(harness.Input, 10);
        var first = await harness.RunAsync(harness.Request(shardSize: 4));
        var before = await DatasetAsync(harness, first.Job.JobId);

        SyntheticImages.Write(harness.Input, "img-004.png", 404);           // changed content
        File.Delete(Path.Combine(harness.Input, "img-007.png"));            // removed
        SyntheticImages.Write(harness.Input, "img-000a.png", 500);          // new, sorts between existing names
        SyntheticImages.Write(harness.Input, "zz-new.png", 501);            // new, last
        var observer = new RecordingObserver();

        var second = await harness.RunAsync(harness.Request(shardSize: 4), observer: observer);

        Assert.Equal(SubmissionOutcome.Planned, second.Outcome);
        Assert.NotEqual(first.Job.JobId, second.Job.JobId);
        Assert.Equal(first.Job.JobId, second.Job.BaseJobId);
        Assert.Equal((3L, 8L, 1L), (second.Job.ImagesToLabel, second.Job.ImagesCarried, second.Job.ImagesRemoved));
        Assert.Equal((11L, 3L, 8L, 1L), (second.Summary.ImagesTotal, second.Summary.ImagesLabeledThisJob, second.Summary.ImagesCarried, second.Summary.ImagesRemoved));

        var after = await DatasetAsync(harness, second.Job.JobId);
        var idsBefore = before.Images.ToDictionary(i => i.FileName, i => i.Id);
        var idsAfter = after.Images.ToDictionary(i => i.FileName, i => i.Id);
        Assert.DoesNotContain("img-007.png", idsAfter.Keys);
        foreach (var name in idsBefore.Keys.Where(n => n != "img-007.png"))
        {
            Assert.Equal(idsBefore[name], idsAfter[name]);
        }

        Assert.Equal(11, idsAfter["img-000a.png"]); // new ids after the old maximum (10), in name order
        Assert.Equal(12, idsAfter["zz-new.png"]);

        // Unchanged images keep exactly their previous labels; the changed one was labeled again.
        foreach (var name in idsBefore.Keys.Where(n => n is not "img-007.png" and not "img-004.png"))
        {
            Assert.Equal(Labels(before, idsBefore[name]), Labels(after, idsAfter[name]));
        }

        Assert.NotEqual(Labels(before, idsBefore["img-004.png"]), Labels(after, idsAfter["img-004.png"]));
        Assert.Equal(["img-000a.png", "img-004.png", "zz-new.png"], await LabeledNamesAsync(harness, second.Job));
        Assert.Equal(11, observer.Images.Count); // every image reported once: 3 labeled, 8 copied

        var third = await harness.RunAsync(harness.Request(shardSize: 4));
        Assert.Equal(SubmissionOutcome.UpToDate, third.Outcome);
        Assert.Equal(second.Job.JobId, third.Job.JobId);
    }

    private static async Task<CocoDataset> DatasetAsync(EmbeddedHarness harness, string jobId)
    {
        var file = harness.TempFile($"{jobId}.json");
        await File.WriteAllBytesAsync(file, await harness.OutputAsync(jobId, JobPaths.AnnotationsFile));
        return CocoFiles.ReadDataset(file);
    }

    private static string Labels(CocoDataset dataset, long imageId) => string.Join(
        ";",
        dataset.Annotations.Where(a => a.ImageId == imageId)
            .Select(a => $"{a.CategoryId}:{a.Score:R}:{a.Bbox}:{((RleSegmentation)a.Segmentation!).CompressedCounts}"));

    /// <summary>Names the job's manifests did not carry over, i.e. what the model ran on.</summary>
    private static async Task<IReadOnlyList<string>> LabeledNamesAsync(EmbeddedHarness harness, JobRecord job)
    {
        var names = new List<string>();
        for (var shard = 0; shard < job.ShardCount; shard++)
        {
            var manifest = await harness.Jobs.RequireManifestAsync(job.JobId, shard);
            names.AddRange(manifest.Images.Where(i => i.CarriedFrom is null).Select(i => i.Name));
        }

        return names;
    }
}
