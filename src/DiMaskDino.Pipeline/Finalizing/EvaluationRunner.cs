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
    /// <param name="annotationsFile">the job's annotations.json (its images: ids and file names)</param>
    /// <param name="detectionsFile">the evaluation-mode detections, a COCO results file with the same image ids</param>
    /// <returns>the report folder and how well the labeled images matched the ground truth's</returns>
    public async Task<EvaluationOutcome> EvaluateAsync(
        JobRecord job, string groundTruth, string annotationsFile, string detectionsFile, CancellationToken cancellationToken = default)
    {
        var gtPath = JobPaths.GroundTruth(groundTruth);
        var gtBytes = await store.ReadAsync(gtPath, cancellationToken)
            ?? throw new InvalidDataException($"job {job.JobId}: ground truth {gtPath} does not exist");
        var folder = Directory.CreateTempSubdirectory("dimaskdino-eval-").FullName;
        try
        {
            var truth = CocoFiles.ReadDataset(gtBytes.Data.ToStream(), gtPath.ToString());
            var labels = CocoFiles.ReadDataset(annotationsFile);
            var ourToGt = LabeledDatasetDetections.ImageIdMap(truth, labels);
            var detections = CocoFiles.ReadDetections(detectionsFile)
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
            var reportFolder = Path.Combine(folder, "report");
            ReportWriter.Write(EvaluationReport.Create(evaluations, context), reportFolder);

            var target = JobPaths.ReportFolder(job.JobId);
            var files = Directory.EnumerateFiles(reportFolder, "*", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(reportFolder, f).Replace('\\', '/'))
                .OrderBy(f => f == ReportFiles.Json ? 1 : 0)
                .ThenBy(f => f, StringComparer.Ordinal);
            foreach (var file in files)
            {
                var bytes = await File.ReadAllBytesAsync(Path.Combine(reportFolder, file), cancellationToken);
                await store.WriteAsync(target.Child(file), BinaryData.FromBytes(bytes), WriteMode.Overwrite, cancellationToken);
            }

            var gtLabeled = ourToGt.Values.Distinct().Count();
            return new EvaluationOutcome(target, new EvaluationMatch(truth.Images.Count, gtLabeled, labels.Images.Count - ourToGt.Count));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "Job {JobId}: evaluating {Matched} labeled images against {GroundTruthImages} ground-truth images ({Detections} detections)")]
    private static partial void LogEvaluating(ILogger logger, string jobId, int matched, int groundTruthImages, int detections);
}

/// <summary>Where the report went and how well the labeled images matched the ground truth's.</summary>
public sealed record EvaluationOutcome(BlobPath Report, EvaluationMatch Match);
