using System.Globalization;
using System.Text;

namespace DiMaskDino.Reports;

/// <summary>
/// report.md: inputs, the 12 summary numbers of each IoU type side by side, the detection–segmentation balance,
/// per-category tables and links to the plots <see cref="ReportWriter"/> puts beside it. Undefined values read "n/a".
/// </summary>
public static class ReportMarkdown
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Render(EvaluationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var types = report.IouTypes.ToList();
        var md = new StringBuilder();
        md.Append("# COCO evaluation report\n\n");
        Inputs(md, report, types[0].Settings);
        Summary(md, types);
        if (report.Balance is { } balance)
        {
            Balance(md, balance);
        }

        foreach (var type in types)
        {
            PerType(md, type);
        }

        return md.ToString();
    }

    private static void Inputs(StringBuilder md, EvaluationReport report, EvaluationSettings settings)
    {
        var c = report.Inputs;
        md.Append("## Inputs\n\n| Input | Value |\n| --- | --- |\n");
        Row(md, "Ground truth", c.GroundTruth);
        Row(md, "Detections", c.Detections);
        Row(md, "Model", c.Model);
        Row(md, "Created", c.CreatedAt?.ToString("yyyy-MM-dd HH:mm:ss zzz", Inv));
        Row(md, "Tool version", c.ToolVersion);
        Row(md, "Images", settings.ImageCount.ToString(Inv));
        Row(md, "Categories", settings.UseCategories ? settings.CategoryCount.ToString(Inv) : "ignored (useCats = 0)");
        Row(md, "IoU types", string.Join(", ", report.IouTypes.Select(t => ReportFiles.TypeName(t.IouType))));
        md.Append('\n');

        static void Row(StringBuilder md, string name, string? value)
        {
            if (value is not null)
            {
                md.Append(Inv, $"| {name} | {Cell(value)} |\n");
            }
        }
    }

    private static void Summary(StringBuilder md, List<IouTypeReport> types)
    {
        md.Append("## Summary\n\n| Metric | Definition |");
        foreach (var type in types)
        {
            md.Append(Inv, $" {ReportFiles.TypeName(type.IouType)} |");
        }

        md.Append("\n| --- | --- |").Append(string.Concat(types.Select(_ => " ---: |"))).Append('\n');
        var definitions = StatDefinitions(types[0].Settings);
        for (var i = 0; i < types[0].Stats.Count; i++)
        {
            md.Append(Inv, $"| {types[0].StatNames[i]} | {definitions[i]} |");
            foreach (var type in types)
            {
                md.Append(Inv, $" {Number(DefinedMean.Nullable(type.Stats[i]))} |");
            }

            md.Append('\n');
        }

        md.Append('\n');
    }

    private static void Balance(StringBuilder md, BalanceReport balance)
    {
        md.Append("## Detection–segmentation balance\n\n")
            .Append(balance.Verdict).Append("\n\n")
            .Append("| Metric | APbox | APmask | Gap (box − mask) |\n| --- | ---: | ---: | ---: |\n");
        foreach (var m in balance.Overall)
        {
            md.Append(Inv, $"| {m.Metric} | {Number(m.Box)} | {Number(m.Mask)} | {Gap(m.Gap)} |\n");
        }

        md.Append("\nPer category (AP at IoU .50:.95, area all), largest box lead first:\n\n")
            .Append("| Id | Category | APbox | APmask | Gap (box − mask) |\n| ---: | --- | ---: | ---: | ---: |\n");
        foreach (var c in balance.PerCategory)
        {
            md.Append(Inv, $"| {c.CategoryId} | {Cell(c.Name)} | {Number(c.ApBox)} | {Number(c.ApMask)} | {Gap(c.Gap)} |\n");
        }

        md.Append(Inv, $"\n![Per-category APbox vs APmask]({ReportFiles.BalancePlot})\n\n");
    }

    private static void PerType(StringBuilder md, IouTypeReport type)
    {
        var name = ReportFiles.TypeName(type.IouType);
        var maxDets = type.Settings.MaxDets[^1];
        md.Append(Inv, $"## {name}\n\n### Per category\n\n")
            .Append(Inv, $"| Id | Category | AP | AP50 | AP75 | APs | APm | APl | AR{maxDets} |\n")
            .Append("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        foreach (var c in type.PerCategory)
        {
            md.Append(Inv, $"| {c.CategoryId} | {Cell(c.Name)} | {Number(c.Ap)} | {Number(c.Ap50)} | {Number(c.Ap75)} | ")
                .Append(Inv, $"{Number(c.Aps)} | {Number(c.Apm)} | {Number(c.Apl)} | {Number(c.Ar100)} |\n");
        }

        var curves = type.PrCurves;
        md.Append(Inv, $"\n### Precision–recall (area={curves.Area}, maxDets={curves.MaxDets})\n\n")
            .Append(Inv, $"![Precision-recall curves, {name}]({ReportFiles.PrCurvePlot(type.IouType)})\n\n")
            .Append("<details><summary>pycocotools summary</summary>\n\n```text\n")
            .Append(type.Summary.TrimEnd('\n'))
            .Append("\n```\n\n</details>\n\n");
    }

    /// <summary>What each of the 12 numbers averages over, in summarize()'s order and with its maxDets choices.</summary>
    private static string[] StatDefinitions(EvaluationSettings s)
    {
        var iou = $"IoU={s.IouThresholds[0].ToString("F2", Inv)}:{s.IouThresholds[^1].ToString("F2", Inv)}";
        var d = s.MaxDets;
        var (m0, m1, m2) = (d[0], d.Count > 1 ? d[1] : d[^1], d.Count > 2 ? d[2] : d[^1]);
        return
        [
            $"AP, {iou}, area=all, maxDets={m2}", $"AP, IoU=0.50, area=all, maxDets={m2}", $"AP, IoU=0.75, area=all, maxDets={m2}",
            $"AP, {iou}, area=small, maxDets={m2}", $"AP, {iou}, area=medium, maxDets={m2}", $"AP, {iou}, area=large, maxDets={m2}",
            $"AR, {iou}, area=all, maxDets={m0}", $"AR, {iou}, area=all, maxDets={m1}", $"AR, {iou}, area=all, maxDets={m2}",
            $"AR, {iou}, area=small, maxDets={m2}", $"AR, {iou}, area=medium, maxDets={m2}", $"AR, {iou}, area=large, maxDets={m2}",
        ];
    }

    private static string Number(double? value) => value?.ToString("F3", Inv) ?? "n/a";

    private static string Gap(double? value) => value?.ToString("+0.000;-0.000;0.000", Inv) ?? "n/a";

    /// <summary>Text as a table cell: pipes escaped, line breaks flattened.</summary>
    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ");
}
