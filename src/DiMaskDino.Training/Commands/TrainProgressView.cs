using DiMaskDino.Model.Training;
using Spectre.Console;

namespace DiMaskDino.Training.Commands;

/// <summary>Shows a training run on the console: a progress bar when interactive, else one line per logged step.</summary>
internal static class TrainProgressView
{
    public static async Task<TrainingSummary> RunAsync(Trainer trainer, TrainingRun run, CancellationToken cancellationToken)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            var printing = new Progress<TrainingProgress>(Print);
            return await Task.Run(() => trainer.RunAsync(run, printing, cancellationToken), cancellationToken);
        }

        return await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask("training");
                var progress = new Progress<TrainingProgress>(p => Update(task, p));
                return await Task.Run(() => trainer.RunAsync(run, progress, cancellationToken), cancellationToken);
            });
    }

    private static void Update(ProgressTask task, TrainingProgress p)
    {
        if (p.Mapping is not null)
        {
            AnsiConsole.Write(MappingTable(p.Mapping));
        }

        if (p.TotalIterations > 0)
        {
            task.MaxValue = p.TotalIterations;
            task.Value = p.Iteration;
        }

        if (!double.IsNaN(p.Loss))
        {
            task.Description = $"epoch {p.Epoch + 1} loss {p.Loss:F2}{Parts(p)} {p.ImagesPerSecond:F1} img/s";
        }

        if (p.Message is not null)
        {
            AnsiConsole.MarkupLineInterpolated($"[grey]{p.Message}[/]");
        }
    }

    private static void Print(TrainingProgress p)
    {
        if (p.Mapping is not null)
        {
            AnsiConsole.Write(MappingTable(p.Mapping));
        }

        if (p.Message is not null)
        {
            Console.WriteLine(p.Message);
        }
        else if (!double.IsNaN(p.Loss))
        {
            Console.WriteLine($"epoch {p.Epoch + 1} iteration {p.Iteration}/{p.TotalIterations}: loss {p.Loss:F3}{Parts(p)}, {p.ImagesPerSecond:F1} img/s");
        }
    }

    /// <summary>" (ce 0.52 bbox 0.11 …)": the last layer's unweighted terms.</summary>
    private static string Parts(TrainingProgress p) =>
        p.MainLosses is { Count: > 0 } parts ? " (" + string.Join(' ', parts.Select(t => $"{t.Term} {t.Value:F2}")) + ")" : "";

    /// <summary>One row per dataset class (kept from the checkpoint's row n, or new) and per dropped checkpoint class.</summary>
    internal static Table MappingTable(ClassMapping mapping)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"classes: {mapping.Kept} kept, {mapping.New} new, {mapping.Dropped.Count} dropped")
            .AddColumn("class").AddColumn("dataset index").AddColumn("checkpoint index").AddColumn("weights");
        foreach (var row in mapping.Rows)
        {
            table.AddRow(
                Markup.Escape(row.Name), row.Index.ToString(), row.SourceIndex?.ToString() ?? "-", row.SourceIndex is null ? "new (fresh initialisation)" : "kept");
        }

        foreach (var name in mapping.Dropped)
        {
            table.AddRow(Markup.Escape(name), "-", "-", "dropped");
        }

        return table;
    }
}
