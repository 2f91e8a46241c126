using System.Text.Json;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Reports;

namespace DiMaskDino.Cli.Commands;

/// <summary>
/// What <c>label --gt</c> shows after the job: pycocotools' summary of each IoU type from the report on standard output,
/// and on standard error which detections were evaluated and, when the images matched the ground truth's only in
/// part, a warning naming the counts.
/// </summary>
internal static class LabelEvaluationOutput
{
    public static void Print(string outputFolder, EvaluationMatch match)
    {
        var reportFile = Path.Combine(outputFolder, ReportFiles.Json);
        using (var report = JsonDocument.Parse(File.ReadAllBytes(reportFile)))
        {
            foreach (var type in new[] { "bbox", "segm" })
            {
                if (report.RootElement.TryGetProperty(type, out var section) && section.TryGetProperty("summary", out var summary))
                {
                    Console.Out.WriteLine($"IoU type: {type}");
                    Console.Out.Write(summary.GetString());
                }
            }
        }

        ConsoleUi.Info($"evaluated the {match.PostProcess.ToString().ToLowerInvariant()} (evaluation-mode) detections, whatever the labels' score threshold; report in {reportFile}");
        if (match.GroundTruthImagesLabeled < match.GroundTruthImages)
        {
            Console.Error.WriteLine(
                $"warning: {match.GroundTruthImagesLabeled:N0} of {match.GroundTruthImages:N0} ground-truth file names found among the labeled images; "
                + "the others count as images with no detections (file_name must be the path relative to INPUT)");
        }

        if (match.LabeledImagesNotInGroundTruth > 0)
        {
            Console.Error.WriteLine($"warning: {match.LabeledImagesNotInGroundTruth:N0} labeled images are not in the ground truth and were left out of the evaluation");
        }
    }
}
