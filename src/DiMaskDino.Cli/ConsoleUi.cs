using DiMaskDino.Coco.Evaluation;
using Spectre.Console;

namespace DiMaskDino.Cli;

/// <summary>
/// Human-facing output on standard error (spinners, tables), so standard output stays exactly what tools parse.
/// Spinners only animate on an interactive terminal.
/// </summary>
internal static class ConsoleUi
{
    private static readonly IAnsiConsole Error = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

    public static T Step<T>(string description, Func<T> work) =>
        Error.Profile.Capabilities.Interactive
            ? Error.Status().Spinner(Spinner.Known.Dots).Start(description, _ => work())
            : work();

    public static void Info(string text) => Error.MarkupLineInterpolated($"[grey]{text}[/]");

    /// <summary>The headline numbers side by side, with the box − mask gap when both were evaluated.</summary>
    public static void HeadlineTable(IReadOnlyList<CocoEvaluation> evaluations)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumn("metric");
        foreach (var evaluation in evaluations)
        {
            table.AddColumn(new TableColumn(evaluation.IouType == IouType.Bbox ? "bbox" : "segm").RightAligned());
        }

        var box = evaluations.FirstOrDefault(e => e.IouType == IouType.Bbox);
        var mask = evaluations.FirstOrDefault(e => e.IouType == IouType.Segm);
        var balance = box is not null && mask is not null;
        if (balance)
        {
            table.AddColumn(new TableColumn("box − mask").RightAligned());
        }

        foreach (var (name, index) in new[] { ("AP", 0), ("AP50", 1), ("AP75", 2), ("APs", 3), ("APm", 4), ("APl", 5), ("AR100", 8) })
        {
            var cells = new List<string> { name };
            cells.AddRange(evaluations.Select(e => Format(e.Stats[index])));
            if (balance)
            {
                var (b, m) = (box!.Stats[index], mask!.Stats[index]);
                cells.Add(b > -1 && m > -1 ? (b - m).ToString("+0.000;-0.000;0.000", System.Globalization.CultureInfo.InvariantCulture) : "n/a");
            }

            table.AddRow(cells.ToArray());
        }

        Error.Write(table);
    }

    private static string Format(double value) =>
        value > -1 ? value.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture) : "n/a";
}
