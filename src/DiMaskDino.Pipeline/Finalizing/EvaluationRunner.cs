using DiMaskDino.Coco;
using DiMaskDino.Coco.Evaluation;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Storage;
using DiMaskDino.Reports;
using Microsoft.Extensions.Logging;

namespace DiMaskDino.Pipeline.Finalizing;

/// <summary>
/// The evaluation step of a job with ground truth: COCOeval (bbox and segm) of the job's annotations against
/// <c>datasets/{groundTruth}</c>, written by <see cref="ReportWriter"/> to <c>reports/{jobId}/</c> (report.json last).
/// Labeled images are matched to ground-truth images by <c>file_name</c>; labeled images the ground truth does not
/// list are left out of the evaluation, ground-truth images without labels count as images with no detections.
/// COCOeval needs all detections at once, so this step holds them in memory (unlike the rest of finalizing).
/// </summary>
public sealed partial class EvaluationRunner(IBlobStore store, ILogger<EvaluationRunner> logger)
{
    /// <returns>the report folder</returns>
    public async Task<BlobPath> EvaluateAsync(JobRecord job, string groundTruth, string annotationsFile, CancellationToken cancellationToken = default)
    {
        var gtPath = JobPaths.GroundTruth(groundTruth);
        var gtBytes = await store.ReadAsync(gtPath, cancellationToken)
            ?? throw new InvalidDataException($"job {job.JobId}: ground truth {gtPath} does not exist");
        var folder = Directory.CreateTempSubdirectory("dimaskdino-eval-").FullName;
        try
        {
            var truth = CocoFiles.ParseDataset(gtBytes.Data.ToArray(), gtPath.ToString());
            var labels = CocoFiles.ReadDataset(annotationsFile);
            var (detections, matched) = LabeledDatasetDetections.Match(truth, labels, JobPaths.Output(job.Request.Dataset, job.JobId, JobPaths.AnnotationsFile).ToString());
            LogEvaluating(logger, job.JobId, matched, truth.Images.Count, detections.Count);
            cancellationToken.ThrowIfCancellationRequested();
            var evaluations = new[] { IouType.Bbox, IouType.Segm }
                .Select(type => CocoEvaluator.Evaluate(truth, detections, new CocoEvalParameters { IouType = type }))
                .ToList();
            var context = new ReportContext
            {
                GroundTruth = gtPath.ToString(),
                Detections = JobPaths.Output(job.Request.Dataset, job.JobId, JobPaths.AnnotationsFile).ToString(),
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

            return target;
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
