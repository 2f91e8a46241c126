using DiMaskDino.Coco.Evaluation;
using SkiaSharp;

namespace DiMaskDino.Reports.Tests;

public sealed class ReportWriterTests : IDisposable
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private readonly string _root = Path.Combine(Path.GetTempPath(), "dimaskdino-reports-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private static EvaluationReport GoldenReport() =>
        EvaluationReport.Create([Evaluations.Golden(IouType.Bbox), Evaluations.Golden(IouType.Segm)], new ReportContext { GroundTruth = "01-basic/gt.json" });

    private static void AssertPng(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 10_000, $"{path} is only {bytes.Length} bytes");
        Assert.Equal(PngSignature, bytes[..8]);
        using var bitmap = SKBitmap.Decode(bytes);
        Assert.Equal((PrCurvePlot.Width, PrCurvePlot.Height), (bitmap.Width, bitmap.Height));
    }

    [Fact]
    public void Writes_json_markdown_and_plots_and_leaves_no_temporary_files()
    {
        var dir = Path.Combine(_root, "report");
        ReportWriter.Write(GoldenReport(), dir);

        Assert.True(File.Exists(Path.Combine(dir, "report.json")));
        Assert.True(File.Exists(Path.Combine(dir, "report.md")));
        AssertPng(Path.Combine(dir, "plots", "pr_bbox.png"));
        AssertPng(Path.Combine(dir, "plots", "pr_segm.png"));
        AssertPng(Path.Combine(dir, "plots", "balance.png"));
        Assert.Equal(5, Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Count());
    }

    [Fact]
    public void Rendering_in_memory_gives_the_files_the_folder_gets_with_report_json_last()
    {
        var dir = Path.Combine(_root, "report");
        var report = GoldenReport();
        ReportWriter.Write(report, dir);

        var files = ReportWriter.Render(report);

        Assert.Equal("report.json", files[^1].Name);
        Assert.Equal(
            Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(dir, f).Replace('\\', '/')).Order(StringComparer.Ordinal),
            files.Select(f => f.Name).Order(StringComparer.Ordinal));
        foreach (var (name, contents) in files)
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(dir, name)), contents);
        }

        var bboxOnly = ReportWriter.Render(EvaluationReport.Create([Evaluations.Golden(IouType.Bbox)], new ReportContext()));
        Assert.Equal(["plots/pr_bbox.png", "report.md", "report.json"], bboxOnly.Select(f => f.Name));
    }

    [Fact]
    public void Markdown_has_the_summary_balance_and_per_category_tables_and_plot_links()
    {
        var dir = Path.Combine(_root, "report");
        var report = GoldenReport();
        ReportWriter.Write(report, dir);
        var md = File.ReadAllText(Path.Combine(dir, "report.md"));

        Assert.Contains("| Metric | Definition | bbox | segm |", md);
        Assert.Contains(FormattableString.Invariant($"| AP | AP, IoU=0.50:0.95, area=all, maxDets=100 | {report.Bbox!.Stats[0]:F3} | {report.Segm!.Stats[0]:F3} |"), md);
        Assert.Contains("| APl | AP, IoU=0.50:0.95, area=large, maxDets=100 | n/a |", md);
        Assert.Contains("## Detection–segmentation balance", md);
        Assert.Contains("| Metric | APbox | APmask | Gap (box − mask) |", md);
        Assert.Contains("| Id | Category | APbox | APmask | Gap (box − mask) |", md);
        Assert.Contains("| Id | Category | AP | AP50 | AP75 | APs | APm | APl | AR100 |", md);
        Assert.Contains("| 1 | cat1 |", md);
        Assert.Contains("](plots/pr_bbox.png)", md);
        Assert.Contains("](plots/pr_segm.png)", md);
        Assert.Contains("](plots/balance.png)", md);
        Assert.Contains("| Ground truth | 01-basic/gt.json |", md);
    }

    [Fact]
    public void Two_runs_write_byte_identical_files()
    {
        var (a, b) = (Path.Combine(_root, "a"), Path.Combine(_root, "b"));
        ReportWriter.Write(GoldenReport(), a);
        ReportWriter.Write(GoldenReport(), b);

        foreach (var file in new[] { "report.json", "report.md", "plots/pr_bbox.png", "plots/pr_segm.png", "plots/balance.png" })
        {
            Assert.True(File.ReadAllBytes(Path.Combine(a, file)).SequenceEqual(File.ReadAllBytes(Path.Combine(b, file))), $"{file} differs between runs");
        }
    }

    [Fact]
    public void Rewriting_with_one_iou_type_removes_the_other_types_plots()
    {
        var dir = Path.Combine(_root, "report");
        ReportWriter.Write(GoldenReport(), dir);
        ReportWriter.Write(EvaluationReport.Create([Evaluations.Golden(IouType.Bbox)], new ReportContext()), dir);

        Assert.Equal(["pr_bbox.png"], Directory.EnumerateFiles(Path.Combine(dir, "plots")).Select(Path.GetFileName));
        var md = File.ReadAllText(Path.Combine(dir, "report.md"));
        Assert.DoesNotContain("segm", md);
        Assert.DoesNotContain("balance", md, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Plots_have_text_from_the_embedded_font()
    {
        // The title band above the data area holds nothing but the title: dark pixels there mean text was drawn.
        // Without a usable font ScottPlot still renders, silently without any text, so this is the check that matters.
        using var bitmap = SKBitmap.Decode(PrCurvePlot.RenderPrCurves(GoldenReport().Bbox!));
        var dark = 0;
        for (var y = 0; y < 30; y++)
        {
            for (var x = 100; x < PrCurvePlot.Width - 100; x++)
            {
                var c = bitmap.GetPixel(x, y);
                dark += c.Red + c.Green + c.Blue < 300 ? 1 : 0;
            }
        }

        Assert.True(dark > 100, $"only {dark} dark pixels in the title band");
    }

    [Fact]
    public void A_report_without_ground_truth_is_written_with_undefined_values()
    {
        var dir = Path.Combine(_root, "report");
        var report = EvaluationReport.Create([Evaluations.NoGroundTruth(IouType.Bbox), Evaluations.NoGroundTruth(IouType.Segm)], new ReportContext());
        ReportWriter.Write(report, dir);

        Assert.Null(report.Bbox!.PrCurves.IouMean);
        Assert.Null(report.Balance!.Ahead);
        Assert.All(report.Bbox.Stats, s => Assert.Equal(-1, s));
        AssertPng(Path.Combine(dir, "plots", "pr_bbox.png"));
        AssertPng(Path.Combine(dir, "plots", "balance.png"));
        Assert.Contains("| AP | AP, IoU=0.50:0.95, area=all, maxDets=100 | n/a | n/a |", File.ReadAllText(Path.Combine(dir, "report.md")));
    }
}
