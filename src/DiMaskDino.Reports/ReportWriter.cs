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
        ArgumentNullException.ThrowIfNull(report);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory.CreateDirectory(Path.Combine(directory, ReportFiles.PlotsFolder));

        foreach (var type in Enum.GetValues<IouType>())
        {
            var path = Path.Combine(directory, ReportFiles.PrCurvePlot(type));
            var section = type == IouType.Bbox ? report.Bbox : report.Segm;
            if (section is null)
            {
                File.Delete(path);
            }
            else
            {
                WriteAtomically(path, PrCurvePlot.RenderPrCurves(section));
            }
        }

        var balancePath = Path.Combine(directory, ReportFiles.BalancePlot);
        if (report.Balance is null)
        {
            File.Delete(balancePath);
        }
        else
        {
            WriteAtomically(balancePath, PrCurvePlot.RenderBalance(report.Balance));
        }

        WriteAtomically(Path.Combine(directory, ReportFiles.Markdown), new UTF8Encoding(false).GetBytes(ReportMarkdown.Render(report)));
        WriteAtomically(Path.Combine(directory, ReportFiles.Json), ReportJson.Serialize(report));
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
