using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Storage;

namespace DiMaskDino.Cli.Commands;

/// <summary>
/// Copies a completed job's outputs from the work store to the label command's output folder: annotations.json,
/// failures.json, summary.json and, when the job had ground truth, the report folder's files (report.json, report.md,
/// plots/). Each file goes to a temporary name first and is renamed into place; the temporary files a killed earlier
/// run left behind are removed first.
/// </summary>
internal static partial class LabelExport
{
    public static async Task CopyAsync(IBlobStore store, JobRecord job, string folder, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        RemoveLeftovers(folder);
        foreach (var file in new[] { JobPaths.AnnotationsFile, JobPaths.FailuresFile, JobPaths.SummaryFile })
        {
            var blob = JobPaths.Output(job.Request.Dataset, job.JobId, file);
            await CopyAsync(store, blob, Path.Combine(folder, file), cancellationToken);
        }

        if (job.Request.GroundTruth is not null)
        {
            var reports = JobPaths.ReportFolder(job.JobId);
            await foreach (var blob in store.ListAsync(reports, cancellationToken))
            {
                var relative = blob.Path.Name[reports.Name.Length..];
                await CopyAsync(store, blob.Path, Path.Combine(folder, relative.Replace('/', Path.DirectorySeparatorChar)), cancellationToken);
            }
        }
    }

    /// <summary>Deletes <c>.NAME.{32 hex}.tmp</c> files (this class's temporary names) in the folder and its plots/ sub-folder.</summary>
    private static void RemoveLeftovers(string folder)
    {
        foreach (var place in new[] { folder, Path.Combine(folder, "plots") }.Where(Directory.Exists))
        {
            foreach (var file in Directory.EnumerateFiles(place, ".*.tmp").Where(f => TemporaryName().IsMatch(Path.GetFileName(f))))
            {
                File.Delete(file);
            }
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^\..+\.[0-9a-f]{32}\.tmp$")]
    private static partial System.Text.RegularExpressions.Regex TemporaryName();

    private static async Task CopyAsync(IBlobStore store, BlobPath blob, string file, CancellationToken cancellationToken)
    {
        await using var source = await store.OpenReadAsync(blob, cancellationToken)
            ?? throw new IOException($"job output {blob} is missing from the work store");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var temporary = Path.Combine(Path.GetDirectoryName(file)!, $".{Path.GetFileName(file)}.{Guid.NewGuid():N}.tmp");
        try
        {
            await using (var target = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            {
                await source.CopyToAsync(target, cancellationToken);
            }

            File.Move(temporary, file, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
