using System.Globalization;
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
internal static partial class EvalCommand
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
        var detections = ConsoleUi.Step("Loading detections", () => ReadDetections(dtFile.FullName, groundTruth));
        ConsoleUi.Info(
            $"loaded {groundTruth.Images.Count:N0} images, {groundTruth.Annotations.Count:N0} ground truths, {detections.Count:N0} detections in {clock.Elapsed.TotalSeconds:F2} s");

        // Every IoU type is evaluated before any summary is printed: a detection the second type cannot use fails the
        // command before output that looks like a result.
        var evaluations = new List<CocoEvaluation>();
        foreach (var type in Types(selection))
        {
            cancellationToken.ThrowIfCancellationRequested();
            clock.Restart();
            var parameters = new CocoEvalParameters { IouType = type, UseCategories = useCategories };
            evaluations.Add(ConsoleUi.Step(
                $"Evaluating {Name(type)}",
                () => Evaluate(groundTruth, detections, parameters, new CocoEvaluatorOptions { MaxDegreeOfParallelism = threads }, gtFile.FullName, dtFile.FullName)));
            ConsoleUi.Info($"evaluated {Name(type)} in {clock.Elapsed.TotalSeconds:F2} s");
        }

        foreach (var evaluation in evaluations)
        {
            Console.Out.WriteLine($"IoU type: {Name(evaluation.IouType)}");
            Console.Out.Write(evaluation.SummaryText);
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

    /// <summary>A results array, or a COCO dataset whose annotations have scores (label's annotations.json), matched to the ground truth by file name.</summary>
    private static IReadOnlyList<CocoDetection> ReadDetections(string file, CocoDataset groundTruth)
    {
        using (var stream = File.OpenRead(file))
        {
            int first;
            while ((first = stream.ReadByte()) is ' ' or '\t' or '\r' or '\n' or 0xEF or 0xBB or 0xBF)
            {
            }

            if (first != '{')
            {
                return CocoFiles.ReadDetections(file, groundTruth);
            }
        }

        var (detections, matched) = LabeledDatasetDetections.Match(groundTruth, CocoFiles.ReadDataset(file), file);
        if (matched == 0 && groundTruth.Images.Count > 0)
        {
            throw new CliInputException($"--dt {file} is a COCO dataset, and none of its file names is in the ground truth; --dt takes a results array or label's annotations.json for the same images");
        }

        return detections;
    }

    /// <summary>COCOeval of one IoU type; a detection or annotation it cannot use is reported naming its file and JSON path.</summary>
    private static CocoEvaluation Evaluate(
        CocoDataset groundTruth, IReadOnlyList<CocoDetection> detections, CocoEvalParameters parameters, CocoEvaluatorOptions options, string gtFile, string dtFile)
    {
        try
        {
            return CocoEvaluator.Evaluate(groundTruth, detections, parameters, options);
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException)
        {
            var detection = DetectionNumber().Match(e.Message);
            if (detection.Success)
            {
                throw new CocoFormatException(dtFile, $"$[{detection.Groups[1].Value}]", $"{Name(parameters.IouType)} evaluation: {e.Message}", e);
            }

            var annotation = AnnotationId().Match(e.Message);
            var index = annotation.Success
                ? groundTruth.Annotations.Select((a, i) => (a.Id, i)).FirstOrDefault(p => p.Id.ToString(CultureInfo.InvariantCulture) == annotation.Groups[1].Value, (0, -1)).Item2
                : -1;
            throw new CocoFormatException(gtFile, index >= 0 ? $"$.annotations[{index}]" : "$.annotations", $"{Name(parameters.IouType)} evaluation: {e.Message}", e);
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"detection #(\d+)")]
    private static partial System.Text.RegularExpressions.Regex DetectionNumber();

    [System.Text.RegularExpressions.GeneratedRegex(@"ground-truth annotation (-?\d+)")]
    private static partial System.Text.RegularExpressions.Regex AnnotationId();

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
