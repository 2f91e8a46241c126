using System.Text.Json;
using System.Text.Json.Nodes;
using DiMaskDino.Contracts.Labels;
using DiMaskDino.Inference.PostProcessing;
using DiMaskDino.Pipeline.Exports;
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

        // A new job, and the images are labeled again: the base job had no ground truth, so it kept no evaluation-mode instances.
        Assert.Equal(SubmissionOutcome.Planned, evaluated.Outcome);
        Assert.Equal(0, evaluated.Summary.ImagesCarried);
        Assert.Equal(new EvaluationMatch(6, 6, 0), evaluated.Summary.Evaluation);
        Assert.Equal($"reports/{evaluated.Job.JobId}/", evaluated.Summary.Report);
        var report = JsonDocument.Parse((await harness.Store.ReadAsync(JobPaths.ReportFolder(evaluated.Job.JobId).Child("report.json")))!.Data.ToArray()).RootElement;
        Assert.Equal(1.0, report.GetProperty("bbox").GetProperty("stats")[0].GetDouble(), 6);
        Assert.Equal(1.0, report.GetProperty("segm").GetProperty("stats")[0].GetDouble(), 6);
        Assert.NotNull(await harness.Store.GetPropertiesAsync(JobPaths.ReportFolder(evaluated.Job.JobId).Child("report.md")));
        Assert.Equal(await harness.OutputAsync(first.Job.JobId, JobPaths.AnnotationsFile), await harness.OutputAsync(evaluated.Job.JobId, JobPaths.AnnotationsFile));
    }

    [Fact]
    public async Task A_labels_job_writes_labels_evaluates_the_official_detections_and_uploads_the_requested_exports()
    {
        using var harness = new EmbeddedHarness(model);
        SyntheticImages.WriteMany(harness.Input, 5);
        var official = await harness.RunAsync(harness.Request(shardSize: 3));
        var truth = JsonNode.Parse(await harness.OutputAsync(official.Job.JobId, JobPaths.AnnotationsFile))!.AsObject();
        truth["images"]!.AsArray().Add(new JsonObject { ["id"] = 99, ["width"] = 10, ["height"] = 10, ["file_name"] = "not-labeled.png" });
        await harness.Work.WriteAsync(new BlobPath(Containers.Datasets, "synthetic/gt.json"), BinaryData.FromString(truth.ToJsonString()), WriteMode.Overwrite);
        var request = harness.Request(shardSize: 3, groundTruth: "synthetic/gt.json");
        request = request with
        {
            Thresholds = request.Thresholds with { PostProcess = PostProcessMode.Labels, ScoreThreshold = 0.99 },
            Formats = [ExportFormat.Yolo, ExportFormat.LabelStudio, ExportFormat.Yolo],
        };

        var labeled = await harness.RunAsync(request);

        // The labels at 0.99 are fewer than the official instances, but the report is the official top-3's: AP 1.
        Assert.Equal(PostProcessMode.Labels, labeled.Summary.PostProcess);
        Assert.True(labeled.Summary.Annotations < official.Summary.Annotations);
        Assert.Equal(new EvaluationMatch(6, 5, 0), labeled.Summary.Evaluation);
        var report = JsonDocument.Parse((await harness.Store.ReadAsync(JobPaths.ReportFolder(labeled.Job.JobId).Child("report.json")))!.Data.ToArray()).RootElement;
        Assert.Equal(1.0, report.GetProperty("segm").GetProperty("stats")[0].GetDouble(), 6);
        var annotations = JsonNode.Parse(await harness.OutputAsync(labeled.Job.JobId, JobPaths.AnnotationsFile))!;
        Assert.Equal("labels", annotations["info"]!["postprocess"]!.GetValue<string>());
        var exports = new List<string>();
        await foreach (var blob in harness.Store.ListAsync(JobPaths.LabelsFolder("local", labeled.Job.JobId).Child("exports/")))
        {
            exports.Add(blob.Path.Name[(JobPaths.LabelsFolder("local", labeled.Job.JobId).Name.Length + "exports/".Length)..]);
        }

        Assert.Contains("yolo/data.yaml", exports);
        Assert.Contains("labelstudio/tasks.json", exports);
        Assert.Equal(5, exports.Count(e => e.StartsWith("yolo/labels/", StringComparison.Ordinal)));
    }
}
