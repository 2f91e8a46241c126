using DiMaskDino.Hosting;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using DiMaskDino.Cli.Bench;
using DiMaskDino.Coco;
using DiMaskDino.Coco.Evaluation;

namespace DiMaskDino.Cli.Commands;

/// <summary><c>dimaskdino bench coco --dir DIR [--runs 3]</c>: times loading and COCOeval on the large synthetic case.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var directory = new Option<DirectoryInfo>("--dir") { Description = "Folder of the benchmark case; generated there when missing.", Required = true };
        var runs = new Option<int>("--runs") { Description = "Repetitions; the median is reported.", DefaultValueFactory = _ => 3 };
        var iouType = LowerCaseEnum.Option("--iou-type", IouTypeSelection.Both, "bbox, segm or both.");
        var threads = new Option<int>("--threads") { Description = "Worker threads (default: all cores).", DefaultValueFactory = _ => -1 };
        var images = new Option<int>("--images") { Description = "Images in a generated case.", DefaultValueFactory = _ => 5000 };

        var coco = new Command("coco", "Benchmark COCOeval (load + evaluate + accumulate + summarize) on a deterministic large case.")
        {
            directory, runs, iouType, threads, images,
        };
        coco.SetAction((parse, cancellationToken) => CommandErrors.RunAsync(
            ct => Task.FromResult(RunCoco(
                parse.GetValue(directory)!, parse.GetValue(runs), parse.GetValue(iouType), parse.GetValue(threads), parse.GetValue(images), ct)),
            cancellationToken));

        return new Command("bench", "Benchmarks whose results are recorded in docs/benchmarks.md.") { coco, PredictBenchmark.Create() };
    }

    private static int RunCoco(DirectoryInfo directory, int runs, IouTypeSelection selection, int threads, int images, CancellationToken cancellationToken)
    {
        if (runs < 1)
        {
            throw new CliInputException($"--runs must be at least 1, got {runs}");
        }

        if (!SyntheticCocoCase.ExistsIn(directory.FullName))
        {
            var clock = Stopwatch.StartNew();
            Console.Error.WriteLine($"generating the benchmark case in {directory.FullName} ...");
            new SyntheticCocoCase(images: images).WriteTo(directory.FullName);
            Console.Error.WriteLine($"generated in {clock.Elapsed.TotalSeconds:F1} s");
        }

        Console.Out.WriteLine($"| iou type | load (median of {runs}) | evaluate+accumulate+summarize | total | AP | peak RSS |");
        Console.Out.WriteLine("|---|---|---|---|---|---|");
        var types = selection switch
        {
            IouTypeSelection.Bbox => new[] { IouType.Bbox },
            IouTypeSelection.Segm => [IouType.Segm],
            _ => [IouType.Bbox, IouType.Segm],
        };
        foreach (var type in types)
        {
            var file = Path.Combine(directory.FullName, type == IouType.Bbox ? SyntheticCocoCase.BoxDetectionsFile : SyntheticCocoCase.MaskDetectionsFile);
            var loads = new List<double>();
            var evaluations = new List<double>();
            double[]? firstStats = null;
            for (var run = 0; run < runs; run++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
                var clock = Stopwatch.StartNew();
                var gt = CocoFiles.ReadDataset(Path.Combine(directory.FullName, SyntheticCocoCase.GroundTruthFile));
                var dt = CocoFiles.ReadDetections(file, gt);
                loads.Add(clock.Elapsed.TotalSeconds);
                clock.Restart();
                var result = CocoEvaluator.Evaluate(gt, dt, new CocoEvalParameters { IouType = type }, new CocoEvaluatorOptions { MaxDegreeOfParallelism = threads });
                evaluations.Add(clock.Elapsed.TotalSeconds);
                var stats = result.Stats.ToArray();
                if (firstStats is not null && !stats.SequenceEqual(firstStats))
                {
                    throw new InvalidOperationException("stats differ between runs: the evaluator is not deterministic");
                }

                firstStats = stats;
                Console.Error.WriteLine($"{Name(type)} run {run + 1}: load {loads[^1]:F2} s, evaluate {evaluations[^1]:F2} s");
            }

            var peak = Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024.0);
            var inv = CultureInfo.InvariantCulture;
            Console.Out.WriteLine(string.Format(
                inv, "| {0} | {1:F2} s | {2:F2} s | {3:F2} s | {4:R} | {5:F0} MiB |",
                Name(type), Median(loads), Median(evaluations), Median(loads.Zip(evaluations, (a, b) => a + b).ToList()), firstStats![0], peak));
        }

        return CommandErrors.Success;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string Name(IouType type) => type == IouType.Bbox ? "bbox" : "segm";
}
