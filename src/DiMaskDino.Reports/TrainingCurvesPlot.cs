using ScottPlot;

namespace DiMaskDino.Reports;

/// <summary>A training run's curves: total loss per logged step, and APbox/APmask per evaluation (final output and per layer).</summary>
public static class TrainingCurvesPlot
{
    public sealed record LossPoint(int Iteration, double Loss);

    /// <param name="PerLayer">layer name → (APbox, APmask) at this evaluation</param>
    public sealed record ApPoint(int Iteration, double ApBox, double ApMask, IReadOnlyList<(string Layer, double ApBox, double ApMask)> PerLayer);

    /// <returns>PNG bytes: loss on the left axis, AP on the right axis</returns>
    public static byte[] Render(IReadOnlyList<LossPoint> loss, IReadOnlyList<ApPoint> ap, string title)
    {
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(ap);
        using var plot = new Plot();
        PlotFont.Apply(plot);
        if (loss.Count > 0)
        {
            var line = plot.Add.ScatterLine(loss.Select(p => (double)p.Iteration).ToArray(), loss.Select(p => p.Loss).ToArray());
            line.LegendText = "total loss";
            line.Color = Colors.Gray;
        }

        if (ap.Count > 0)
        {
            var right = plot.Axes.Right;
            var xs = ap.Select(p => (double)p.Iteration).ToArray();
            AddAp(plot, xs, ap.Select(p => p.ApBox).ToArray(), "APbox (final)", Colors.Blue, LinePattern.Solid);
            AddAp(plot, xs, ap.Select(p => p.ApMask).ToArray(), "APmask (final)", Colors.Orange, LinePattern.Solid);
            var first = ap[^1].PerLayer.FirstOrDefault();
            if (first.Layer is not null && ap[^1].PerLayer.Count > 1)
            {
                // The first decoder layer is where the paper's detection/segmentation imbalance shows.
                var layer = ap[^1].PerLayer[Math.Min(1, ap[^1].PerLayer.Count - 1)].Layer;
                AddAp(plot, xs, ap.Select(p => p.PerLayer.FirstOrDefault(l => l.Layer == layer).ApBox).ToArray(), $"APbox ({layer})", Colors.Blue, LinePattern.Dotted);
                AddAp(plot, xs, ap.Select(p => p.PerLayer.FirstOrDefault(l => l.Layer == layer).ApMask).ToArray(), $"APmask ({layer})", Colors.Orange, LinePattern.Dotted);
            }

            right.Label.Text = "AP (val)";
            right.Label.FontName = PlotFont.Name;
            right.TickLabelStyle.FontName = PlotFont.Name;
        }

        plot.Title(title);
        plot.XLabel("iteration");
        plot.YLabel("loss");
        plot.ShowLegend(Alignment.UpperRight);
        return plot.GetImageBytes(PrCurvePlot.Width, PrCurvePlot.Height, ImageFormat.Png);
    }

    private static void AddAp(Plot plot, double[] xs, double[] ys, string label, Color color, LinePattern pattern)
    {
        var line = plot.Add.ScatterLine(xs, ys);
        line.Axes.YAxis = plot.Axes.Right;
        line.LegendText = label;
        line.Color = color;
        line.LinePattern = pattern;
        line.MarkerSize = 6;
    }
}
