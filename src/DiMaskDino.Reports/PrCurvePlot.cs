using System.Globalization;
using ScottPlot;

namespace DiMaskDino.Reports;

/// <summary>
/// The report's PNG plots, drawn with ScottPlot 5 in the embedded font (<see cref="PlotFont"/>):
/// PR curves of one IoU type, and per-category APbox against APmask.
/// </summary>
public static class PrCurvePlot
{
    public const int Width = 800;

    public const int Height = 600;

    /// <summary>How many categories the balance plot names: those with the largest gap either way.</summary>
    private const int NamedOutliers = 5;

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Precision against recall at IoU .50, .75 and the mean over IoU thresholds, averaged over categories.</summary>
    /// <returns>PNG bytes</returns>
    public static byte[] RenderPrCurves(IouTypeReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var curves = report.PrCurves;
        var recall = curves.RecallThresholds.ToArray();
        using var plot = new Plot();
        PlotFont.Apply(plot);
        var drawn = 0;
        drawn += Curve(plot, recall, curves.IouMean, $"IoU=.50:.95 (AP {Stat(report, 0)})", LinePattern.Solid);
        drawn += Curve(plot, recall, curves.Iou50, $"IoU=.50 (AP50 {Stat(report, 1)})", LinePattern.Solid);
        drawn += Curve(plot, recall, curves.Iou75, $"IoU=.75 (AP75 {Stat(report, 2)})", LinePattern.Dashed);
        if (drawn == 0)
        {
            Note(plot, "No category has ground truth: precision is undefined.", 0.5, 0.5);
        }
        else
        {
            plot.ShowLegend(Alignment.LowerLeft);
        }

        plot.Title($"Precision–recall, {ReportFiles.TypeName(report.IouType)} (area={curves.Area}, maxDets={curves.MaxDets})");
        plot.XLabel("Recall");
        plot.YLabel("Precision (mean over categories)");
        UnitAxes(plot, 1.05);
        return plot.GetImageBytes(Width, Height, ImageFormat.Png);
    }

    /// <summary>One point per category at (APbox, APmask) with the diagonal of equal AP; the overall AP stands out.</summary>
    /// <returns>PNG bytes</returns>
    public static byte[] RenderBalance(BalanceReport balance)
    {
        ArgumentNullException.ThrowIfNull(balance);
        var defined = balance.PerCategory.Where(c => c.Gap is not null).ToList();
        using var plot = new Plot();
        PlotFont.Apply(plot);

        var diagonal = plot.Add.Line(0, 0, 1, 1);
        diagonal.LinePattern = LinePattern.Dashed;
        diagonal.LineColor = Colors.Gray;
        diagonal.LegendText = "APbox = APmask";

        if (defined.Count > 0)
        {
            var points = plot.Add.ScatterPoints(defined.Select(c => c.ApBox!.Value).ToArray(), defined.Select(c => c.ApMask!.Value).ToArray());
            points.MarkerSize = 8;
            points.LegendText = $"categories ({defined.Count})";
            foreach (var c in defined.OrderByDescending(c => Math.Abs(c.Gap!.Value)).ThenBy(c => c.CategoryId).Take(NamedOutliers))
            {
                var label = plot.Add.Text(c.Name, c.ApBox!.Value, c.ApMask!.Value);
                label.LabelFontName = PlotFont.Name;
                label.LabelFontSize = 12;
                label.OffsetX = 6;
                label.Alignment = Alignment.LowerLeft;
            }
        }

        if (balance.Overall[0] is { Box: { } box, Mask: { } mask })
        {
            var overall = plot.Add.Marker(box, mask, MarkerShape.FilledDiamond, 14, Colors.Red);
            overall.LegendText = string.Create(Inv, $"overall AP ({box:F3}, {mask:F3})");
        }

        Note(plot, "mask ahead", 0.2, 0.8);
        Note(plot, "box ahead", 0.8, 0.2);
        plot.ShowLegend(Edge.Bottom);
        plot.Title("Detection–segmentation balance (AP, IoU=.50:.95)");
        plot.XLabel("APbox");
        plot.YLabel("APmask");
        UnitAxes(plot, 1);
        return plot.GetImageBytes(Width, Height, ImageFormat.Png);
    }

    private static int Curve(Plot plot, double[] recall, IReadOnlyList<double>? precision, string legend, LinePattern pattern)
    {
        if (precision is null)
        {
            return 0;
        }

        var line = plot.Add.ScatterLine(recall, precision.ToArray());
        line.LineWidth = 2;
        line.LinePattern = pattern;
        line.LegendText = legend;
        return 1;
    }

    /// <summary>Both axes over [0, 1] (y a little beyond, so a curve at precision 1 stays visible), ticks every 0.1.</summary>
    private static void UnitAxes(Plot plot, double top)
    {
        plot.Axes.SetLimits(0, 1, 0, top);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericFixedInterval(0.1);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericFixedInterval(0.1);
    }

    private static void Note(Plot plot, string text, double x, double y)
    {
        var note = plot.Add.Text(text, x, y);
        note.LabelFontName = PlotFont.Name;
        note.LabelFontSize = 13;
        note.LabelFontColor = Colors.Gray;
        note.Alignment = Alignment.MiddleCenter;
    }

    private static string Stat(IouTypeReport report, int index) =>
        DefinedMean.Nullable(report.Stats[index])?.ToString("F3", Inv) ?? "n/a";
}
