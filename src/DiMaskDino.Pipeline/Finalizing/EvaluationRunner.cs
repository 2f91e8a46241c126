using DiMaskDino.Coco;
using DiMaskDino.Coco.Evaluation;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Storage;
using DiMaskDino.Reports;
using Microsoft.Extensions.Logging;

namespace DiMaskDino.Pipeline.Finalizing;

/// <summary>
/// The evaluation step of a job with ground truth: COCOeval (bbox and segm) of the job's evaluation-mode detections
/// (the official instances, whatever the labels' score threshold and post-processing) against
/// <c>datasets/{groundTruth}</c>, written by <see cref="ReportWriter"/> to <c>reports/{jobId}/</c> (report.json last).
/// Labeled images are matched to ground-truth images by <c>file_name</c>; labeled images the ground truth does not
/// list are left out of the evaluation, ground-truth images without labels count as images with no detections.
/// COCOeval needs all detections at once, so this step holds them in memory (unlike the rest of finalizing).
/// </summary>
public sealed partial class EvaluationRunner(IBlobStore store, ILogger<EvaluationRunner> logger)
{
    /// <param name="labeled">the job's labeled images (ids as in annotations.json, file names) and evaluation-mode detections</param>
    /// <returns>the report folder and how well the labeled images matched the ground truth's</returns>
    public async Task<EvaluationOutcome> EvaluateAsync(
        JobRecord job, string groundTruth, EvaluationDetections labeled, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(labeled);
        var gtPath = JobPaths.GroundTruth(groundTruth);
        var gtBytes = await store.ReadAsync(gtPath, cancellationToken)
            ?? throw new InvalidDataException($"job {job.JobId}: ground truth {gtPath} does not exist");
        var truth = CocoFiles.ReadDataset(gtBytes.Data.ToStream(), gtPath.ToString());
        var ourToGt = LabeledDatasetDetections.ImageIdMap(truth, new CocoDataset { Images = labeled.Images, Categories = [] });
        var detections = labeled.Detections
            .Where(d => ourToGt.ContainsKey(d.ImageId))
            .Select(d => d with { ImageId = ourToGt[d.ImageId] })
            .ToList();
        LogEvaluating(logger, job.JobId, ourToGt.Count, truth.Images.Count, detections.Count);
        cancellationToken.ThrowIfCancellationRequested();
        var evaluations = new[] { IouType.Bbox, IouType.Segm }
            .Select(type => CocoEvaluator.Evaluate(truth, detections, new CocoEvalParameters { IouType = type }))
            .ToList();
        var context = new ReportContext
        {
            GroundTruth = gtPath.ToString(),
            Detections = $"the evaluation-mode detections of job {job.JobId}",
            Model = job.Request.Model.Name,
        };

        var target = JobPaths.ReportFolder(job.JobId);
        var files = ReportWriter.Render(EvaluationReport.Create(evaluations, context))
            .OrderBy(f => f.Name == ReportFiles.Json ? 1 : 0)
            .ThenBy(f => f.Name, StringComparer.Ordinal);
        foreach (var (name, contents) in files)
        {
            await store.WriteAsync(target.Child(name), BinaryData.FromBytes(contents), WriteMode.Overwrite, cancellationToken);
        }

        var gtLabeled = ourToGt.Values.Distinct().Count();
        return new EvaluationOutcome(target, new EvaluationMatch(truth.Images.Count, gtLabeled, labeled.Images.Count - ourToGt.Count));
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "Job {JobId}: evaluating {Matched} labeled images against {GroundTruthImages} ground-truth images ({Detections} detections)")]
    private static partial void LogEvaluating(ILogger logger, string jobId, int matched, int groundTruthImages, int detections);
}

/// <summary>Where the report went and how well the labeled images matched the ground truth's.</summary>
public sealed record EvaluationOutcome(BlobPath Report, EvaluationMatch Match);
