using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Storage;
using DiMaskDino.Reports;

namespace DiMaskDino.Pipeline.Checkpoints;

/// <summary>
/// Where checkpoint evaluations live in the <c>reports</c> container: the comparison next to the job's report
/// (<c>reports/{jobId}/comparison.json</c>, <c>.md</c>), pending evaluations under
/// <c>reports/checkpoints/evaluations/</c> and the best model per dataset in <c>reports/checkpoints/{dataset}/best.json</c>.
/// The job id <see cref="ReservedJobId"/> is therefore not available to jobs.
/// </summary>
public static class CheckpointPaths
{
    public const string ReservedJobId = "checkpoints";
    public const string ComparisonJson = "comparison.json";
    public const string ComparisonMarkdown = "comparison.md";

    public static BlobPath EvaluationsFolder { get; } = new(Containers.Reports, $"{ReservedJobId}/evaluations/");

    public static BlobPath Evaluation(string jobId) => EvaluationsFolder.Child($"{JobPaths.CheckId(jobId)}.json");

    public static BlobPath Best(string dataset) => new(Containers.Reports, $"{ReservedJobId}/{JobPaths.CheckDataset(dataset)}/best.json");

    public static BlobPath Report(string jobId) => JobPaths.ReportFolder(jobId).Child(ReportFiles.Json);

    public static BlobPath Comparison(string jobId) => JobPaths.ReportFolder(jobId).Child(ComparisonJson);

    public static BlobPath ComparisonReport(string jobId) => JobPaths.ReportFolder(jobId).Child(ComparisonMarkdown);

    /// <summary>The job id of a blob listed under <see cref="EvaluationsFolder"/>, or null for anything else.</summary>
    public static string? JobOfEvaluation(BlobPath path)
    {
        var file = path.Name[(path.Name.LastIndexOf('/') + 1)..];
        return file.EndsWith(".json", StringComparison.Ordinal) && file.Length > 5 ? file[..^5] : null;
    }
}
