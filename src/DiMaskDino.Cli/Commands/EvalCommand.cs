using DiMaskDino.Hosting;
using System.CommandLine;
using System.Diagnostics;
using DiMaskDino.Coco;
using DiMaskDino.Coco.Evaluation;
using DiMaskDino.Reports;

namespace DiMaskDino.Cli.Commands;

/// <summary>Which IoU types to evaluate.</summary>
internal enum IouTypeSelection
{
    Both,
    Bbox,
    Segm,
}

/// <summary><c>dimaskdino eval --gt GT.json --dt DT.json [--iou-type bbox|segm|both] [--use-cats true|false] [--out DIR]</c></summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var gt = new Option<FileInfo>("--gt") { Description = "Ground truth: a COCO instances JSON file.", Required = true };
        var dt = new Option<FileInfo>("--dt") { Description = "Detections: a COCO results JSON file (an array of detections).", Required = true };
        var iouType = LowerCaseEnum.Option("--iou-type", IouTypeSelection.Both, "What to evaluate: bbox, segm or both.");
        var useCats = new Option<bool>("--use-cats")
        {
            Description = "Match detections to ground truth of the same category only (true), or ignore categories (false).",
            DefaultValueFactory = _ => true,
            CustomParser = result => ParseFlag(result.Tokens.Count == 0 ? "true" : result.Tokens[0].Value, result),
            Arity = ArgumentArity.ZeroOrOne,
        };
        var output = new Option<DirectoryInfo?>("--out") { Description = "Folder for report.json, report.md and the plots. Without it only the summary is printed." };
        var threads = new Option<int>("--threads") { Description = "Worker threads (default: all cores).", DefaultValueFactory = _ => -1 };

        var command = new Command("eval", "Evaluate detections against COCO ground truth, exactly as pycocotools does (bbox and segm).")
        {
            gt, dt, iouType, useCats, output, threads,
        };
        command.SetAction((parse, cancellationToken) => CommandErrors.RunAsync(
            ct => RunAsync(
                parse.GetValue(gt)!, parse.GetValue(dt)!, parse.GetValue(iouType), parse.GetValue(useCats), parse.GetValue(output), parse.GetValue(threads), ct),
            cancellationToken));
        return command;
    }

    private static Task<int> RunAsync(
        FileInfo gtFile, FileInfo dtFile, IouTypeSelection selection, bool useCategories, DirectoryInfo? outputDirectory, int threads,
        CancellationToken cancellationToken)
    {
        RequireFile(gtFile, "--gt");
        RequireFile(dtFile, "--dt");
        if (threads == 0 || threads < -1)
        {
            throw new CliInputException($"--threads must be a positive number (or -1 for all cores), got {threads}");
        }

        var clock = Stopwatch.StartNew();
        var groundTruth = ConsoleUi.Step("Loading ground truth", () => CocoFiles.ReadDataset(gtFile.FullName));
        var detections = ConsoleUi.Step("Loading detections", () => CocoFiles.ReadDetections(dtFile.FullName, groundTruth));
        ConsoleUi.Info(
            $"loaded {groundTruth.Images.Count:N0} images, {groundTruth.Annotations.Count:N0} ground truths, {detections.Count:N0} detections in {clock.Elapsed.TotalSeconds:F2} s");

        var evaluations = new List<CocoEvaluation>();
        foreach (var type in Types(selection))
        {
            cancellationToken.ThrowIfCancellationRequested();
            clock.Restart();
            var parameters = new CocoEvalParameters { IouType = type, UseCategories = useCategories };
            var evaluation = ConsoleUi.Step(
                $"Evaluating {Name(type)}",
                () => CocoEvaluator.Evaluate(groundTruth, detections, parameters, new CocoEvaluatorOptions { MaxDegreeOfParallelism = threads }));
            evaluations.Add(evaluation);
            Console.Out.WriteLine($"IoU type: {Name(type)}");
            Console.Out.Write(evaluation.SummaryText);
            ConsoleUi.Info($"evaluated {Name(type)} in {clock.Elapsed.TotalSeconds:F2} s");
        }

        ConsoleUi.HeadlineTable(evaluations);

        if (outputDirectory is not null)
        {
            var context = new ReportContext
            {
                GroundTruth = gtFile.FullName,
                Detections = dtFile.FullName,
                CreatedAt = DateTimeOffset.UtcNow,
                ToolVersion = typeof(EvalCommand).Assembly.GetName().Version?.ToString(),
            };
            ConsoleUi.Step("Writing the report", () =>
            {
                ReportWriter.Write(EvaluationReport.Create(evaluations, context), outputDirectory.FullName);
                return 0;
            });
            ConsoleUi.Info($"report written to {Path.Combine(outputDirectory.FullName, "report.json")}");
        }

        return Task.FromResult(CommandErrors.Success);
    }

    private static IEnumerable<IouType> Types(IouTypeSelection selection) => selection switch
    {
        IouTypeSelection.Bbox => [IouType.Bbox],
        IouTypeSelection.Segm => [IouType.Segm],
        _ => [IouType.Bbox, IouType.Segm],
    };

    private static string Name(IouType type) => type == IouType.Bbox ? "bbox" : "segm";

    private static void RequireFile(FileInfo file, string option)
    {
        if (!file.Exists)
        {
            throw new CliInputException($"{option}: file not found: {file.FullName}");
        }
    }

    private static bool ParseFlag(string text, System.CommandLine.Parsing.ArgumentResult result)
    {
        switch (text.ToLowerInvariant())
        {
            case "true" or "1" or "yes":
                return true;
            case "false" or "0" or "no":
                return false;
            default:
                result.AddError($"--use-cats takes true or false (or 1/0), got '{text}'");
                return true;
        }
    }
}
