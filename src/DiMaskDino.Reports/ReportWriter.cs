using System.Text;
using DiMaskDino.Coco.Evaluation;

namespace DiMaskDino.Reports;

/// <summary>
/// Writes a report folder: report.json, report.md and plots/*.png (see <see cref="ReportFiles"/>). Each file is written
/// to a temporary name in its own folder and renamed into place, so a reader never sees half a file; report.json goes
/// last, so once it is there the rest is too. Plots of a previous report that this one has no data for are removed.
/// </summary>
public static class ReportWriter
{
    public static void Write(EvaluationReport report, string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var files = Render(report);
        Directory.CreateDirectory(Path.Combine(directory, ReportFiles.PlotsFolder));
        var plots = Enum.GetValues<IouType>().Select(ReportFiles.PrCurvePlot).Append(ReportFiles.BalancePlot);
        foreach (var stale in plots.Except(files.Select(f => f.Name)))
        {
            File.Delete(Path.Combine(directory, stale));
        }

        foreach (var (name, contents) in files)
        {
            WriteAtomically(Path.Combine(directory, name), contents);
        }
    }

    /// <summary>
    /// The report's files in memory, each with its path relative to the report folder ('/'-separated): the plots it
    /// has data for, then report.md, then report.json (last, as readers expect it to mark a complete report).
    /// </summary>
    public static IReadOnlyList<(string Name, byte[] Contents)> Render(EvaluationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var files = new List<(string Name, byte[] Contents)>();
        foreach (var type in Enum.GetValues<IouType>())
        {
            if ((type == IouType.Bbox ? report.Bbox : report.Segm) is { } section)
            {
                files.Add((ReportFiles.PrCurvePlot(type), PrCurvePlot.RenderPrCurves(section)));
            }
        }

        if (report.Balance is not null)
        {
            files.Add((ReportFiles.BalancePlot, PrCurvePlot.RenderBalance(report.Balance)));
        }

        files.Add((ReportFiles.Markdown, new UTF8Encoding(false).GetBytes(ReportMarkdown.Render(report))));
        files.Add((ReportFiles.Json, ReportJson.Serialize(report)));
        return files;
    }

    private static void WriteAtomically(string path, byte[] contents)
    {
        // A unique temporary name in the same folder: the rename stays on one file system (atomic), and two writers of
        // the same report cannot interleave their bytes; the last rename wins with a complete file.
        var temporary = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(contents);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }
}
