using System.Globalization;
using System.Text;

namespace DiMaskDino.Pipeline.Checkpoints;

/// <summary><c>comparison.md</c>: the verdict, the AP table of both models and the per-category deltas, in AP points.</summary>
public static class ComparisonMarkdown
{
    public static string Write(CheckpointComparison comparison)
    {
        ArgumentNullException.ThrowIfNull(comparison);
        var inv = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.Append(inv, $"# Checkpoint evaluation: {comparison.Model.Name}\n\n");
        md.Append(inv, $"- Verdict: **{comparison.Verdict.ToString().ToLowerInvariant()}** ({comparison.Reason})\n");
        md.Append(inv, $"- Model: `models/{comparison.Model.Name}` (version {comparison.Model.Version}), job `{comparison.JobId}`\n");
        md.Append(inv, $"- Evaluation dataset: `{comparison.Dataset}`\n");
        md.Append(comparison.Best is { } best
            ? string.Create(inv, $"- Compared with: `models/{best.Model.Name}` (version {best.Model.Version}), job `{best.JobId}`\n")
            : "- Compared with: nothing (first model evaluated on this dataset)\n");
        md.Append(inv, $"- Balance APbox − APmask: {Num(comparison.Balance.GapCandidate)} (best: {Num(comparison.Balance.GapBest)}, change {Delta(comparison.Balance.GapChange)})\n\n");

        foreach (var (title, rows) in new[] { ("bbox", comparison.Bbox), ("segm", comparison.Segm) })
        {
            md.Append(inv, $"## {title}\n\n| metric | checkpoint | best | delta |\n|---|---:|---:|---:|\n");
            foreach (var row in rows)
            {
                md.Append(inv, $"| {row.Metric} | {Num(row.Candidate)} | {Num(row.Best)} | {Delta(row.Delta)} |\n");
            }

            md.Append('\n');
        }

        md.Append("## Per category AP\n\n| id | category | APbox | Δ APbox | APmask | Δ APmask |\n|---:|---|---:|---:|---:|---:|\n");
        foreach (var c in comparison.PerCategory)
        {
            md.Append(inv, $"| {c.CategoryId} | {c.Name} | {Num(c.ApBoxCandidate)} | {Delta(c.ApBoxDelta)} | {Num(c.ApMaskCandidate)} | {Delta(c.ApMaskDelta)} |\n");
        }

        md.Append("\nNumbers are AP points (0-100); \"–\" is undefined (no ground truth in range, or no best model).\n");
        return md.ToString();
    }

    private static string Num(double? value) => value is { } v ? (v * 100).ToString("0.00", CultureInfo.InvariantCulture) : "–";

    private static string Delta(double? value) => value is { } v ? (v * 100).ToString("+0.00;-0.00;0.00", CultureInfo.InvariantCulture) : "–";
}
