using System.Text.Json;
using System.Text.Json.Nodes;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Planning;
using DiMaskDino.Pipeline.Storage;
using DiMaskDino.Pipeline.Tests.Fixtures;

namespace DiMaskDino.Pipeline.Tests.Finalizing;

[Collection(PipelineCollection.Name)]
public sealed class EvaluationJobTests(TinyModel model)
{
    [Fact]
    public async Task A_job_with_ground_truth_writes_a_report_matching_images_by_file_name()
    {
        using var harness = new EmbeddedHarness(model);
        SyntheticImages.WriteMany(harness.Input, 6);
        var first = await harness.RunAsync(harness.Request(shardSize: 4));

        // Ground truth = the labels themselves, under other image ids (+1000): only a file_name match gives AP 1.
        var truth = JsonNode.Parse(await harness.OutputAsync(first.Job.JobId, JobPaths.AnnotationsFile))!.AsObject();
        foreach (var image in truth["images"]!.AsArray())
        {
            image!["id"] = image["id"]!.GetValue<long>() + 1000;
        }

        foreach (var annotation in truth["annotations"]!.AsArray())
        {
            annotation!["image_id"] = annotation["image_id"]!.GetValue<long>() + 1000;
            annotation.AsObject().Remove("score");
        }

        await harness.Work.WriteAsync(new BlobPath(Containers.Datasets, "synthetic/annotations.json"), BinaryData.FromString(truth.ToJsonString()), WriteMode.Overwrite);

        var evaluated = await harness.RunAsync(harness.Request(shardSize: 4, groundTruth: "synthetic/annotations.json"));

        Assert.Equal(SubmissionOutcome.Planned, evaluated.Outcome); // new job: same labels carried over, plus the evaluation
        Assert.Equal(6, evaluated.Summary.ImagesCarried);
        Assert.Equal($"reports/{evaluated.Job.JobId}/", evaluated.Summary.Report);
        var report = JsonDocument.Parse((await harness.Store.ReadAsync(JobPaths.ReportFolder(evaluated.Job.JobId).Child("report.json")))!.Data.ToArray()).RootElement;
        Assert.Equal(1.0, report.GetProperty("bbox").GetProperty("stats")[0].GetDouble(), 6);
        Assert.Equal(1.0, report.GetProperty("segm").GetProperty("stats")[0].GetDouble(), 6);
        Assert.NotNull(await harness.Store.GetPropertiesAsync(JobPaths.ReportFolder(evaluated.Job.JobId).Child("report.md")));
        Assert.Equal(await harness.OutputAsync(first.Job.JobId, JobPaths.AnnotationsFile), await harness.OutputAsync(evaluated.Job.JobId, JobPaths.AnnotationsFile));
    }
}
