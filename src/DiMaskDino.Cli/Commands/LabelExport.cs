using System.Text;
using System.Text.Json;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Storage;
using DiMaskDino.Reports;

namespace DiMaskDino.Cli.Commands;

/// <summary>
/// Copies a completed job's outputs from the work store to the label command's output folder: annotations.json,
/// failures.json, summary.json and, when the job had ground truth, the report folder's files (report.json, report.md,
/// plots/). Each file goes to a temporary name first and is renamed into place; the temporary files a killed earlier
/// run left behind are removed first. With <c>userPaths</c> (a local job), the work store's internal names in
/// summary.json, report.json and report.md (<c>datasets/local/…</c>, <c>labels/local/…</c>, <c>reports/…</c>) are
/// replaced by the paths the user gave and the files in the output folder.
/// </summary>
internal static partial class LabelExport
{
    /// <summary>Internal name → the user's path, for a local job's outputs.</summary>
    public static IReadOnlyDictionary<string, string> UserPaths(JobRecord job, string folder, string? groundTruthFile)
    {
        var paths = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [JobPaths.Output(job.Request.Dataset, job.JobId, JobPaths.AnnotationsFile).ToString()] = Path.Combine(folder, JobPaths.AnnotationsFile),
            [JobPaths.ReportFolder(job.JobId).ToString()] = Path.Combine(folder, ReportFiles.Json),
        };
        if (job.Request.GroundTruth is { } groundTruth && groundTruthFile is not null)
        {
            paths[JobPaths.GroundTruth(groundTruth).ToString()] = Path.GetFullPath(groundTruthFile);
        }

        return paths;
    }

    public static async Task CopyAsync(IBlobStore store, JobRecord job, string folder, IReadOnlyDictionary<string, string>? userPaths, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        RemoveLeftovers(folder);
        foreach (var file in new[] { JobPaths.AnnotationsFile, JobPaths.FailuresFile, JobPaths.SummaryFile })
        {
            var blob = JobPaths.Output(job.Request.Dataset, job.JobId, file);
            await CopyAsync(store, blob, Path.Combine(folder, file), file == JobPaths.SummaryFile ? userPaths : null, cancellationToken);
        }

        if (job.Request.GroundTruth is not null)
        {
            var reports = JobPaths.ReportFolder(job.JobId);
            await foreach (var blob in store.ListAsync(reports, cancellationToken))
            {
                var relative = blob.Path.Name[reports.Name.Length..];
                var named = relative is ReportFiles.Json or ReportFiles.Markdown ? userPaths : null;
                await CopyAsync(store, blob.Path, Path.Combine(folder, relative.Replace('/', Path.DirectorySeparatorChar)), named, cancellationToken);
            }
        }
    }

    /// <summary>The small text file (summary, report) with each internal name replaced: as a JSON string in .json files, as text in .md.</summary>
    private static async Task<Stream> RenamedAsync(Stream stored, string file, IReadOnlyDictionary<string, string> userPaths, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(stored);
        var text = await reader.ReadToEndAsync(cancellationToken);
        var json = file.EndsWith(".json", StringComparison.Ordinal);
        foreach (var (internalName, userPath) in userPaths)
        {
            text = json
                ? text.Replace($"\"{JsonEncodedText.Encode(internalName)}\"", $"\"{JsonEncodedText.Encode(userPath)}\"", StringComparison.Ordinal)
                : text.Replace(internalName, userPath, StringComparison.Ordinal);
        }

        return new MemoryStream(new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text));
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

    internal static async Task CopyAsync(IBlobStore store, BlobPath blob, string file, IReadOnlyDictionary<string, string>? userPaths, CancellationToken cancellationToken)
    {
        await using var stored = await store.OpenReadAsync(blob, cancellationToken)
            ?? throw new IOException($"job output {blob} is missing from the work store");
        await using var source = userPaths is null ? stored : await RenamedAsync(stored, file, userPaths, cancellationToken);
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
