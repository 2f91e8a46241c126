using System.CommandLine;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using DiMaskDino.Cli.Predict;
using DiMaskDino.Contracts.Images;
using DiMaskDino.Contracts.Labels;
using DiMaskDino.Hosting;
using DiMaskDino.Inference.Batching;
using DiMaskDino.Inference.Images;
using DiMaskDino.Inference.Overlays;
using DiMaskDino.Inference.PostProcessing;
using DiMaskDino.Inference.Runtime;
using DiMaskDino.Pipeline.Storage;
using SixLabors.ImageSharp;

namespace DiMaskDino.Cli.Commands;

/// <summary>
/// <c>dimaskdino predict IMAGE... --model MODEL.onnx [--out DIR] [--score-threshold 0.3] [--batch-size 8] [--polygons]
/// [--provider cuda|cpu] [--no-overlays]</c>: labels images with an exported model; see <see cref="PredictionWriter"/>
/// for the files written. Exit code 0 when every image was labelled, 1 when any failed (each listed on stderr, the
/// others still written), 1 for bad arguments, 130 when cancelled.
/// </summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        var images = new Argument<string[]>("IMAGE")
        {
            Description = "Image files or directories (searched recursively for " + string.Join(" ", ImageFileNames.Extensions) + ").",
            Arity = ArgumentArity.OneOrMore,
        };
        var model = new Option<FileInfo>("--model") { Description = "The exported model (.onnx with dimaskdino metadata).", Required = true };
        var output = new Option<DirectoryInfo>("--out")
        {
            Description = "Output folder for results.json, images.json, failures.json and overlays/.",
            DefaultValueFactory = _ => new DirectoryInfo("predictions"),
        };
        var threshold = ScoreThresholdOption.Create();
        var batchSize = new Option<int>("--batch-size") { Description = "Images per ONNX Runtime run.", DefaultValueFactory = _ => 8 };
        var polygons = new Option<bool>("--polygons") { Description = "Write segmentations as polygons instead of compressed RLE." };
        var provider = ProviderOption.Create();
        var noOverlays = new Option<bool>("--no-overlays") { Description = "Do not draw overlay PNGs." };
        var postProcess = new PostProcessArguments();
        var resize = new ResizeArguments();

        var command = new Command("predict", "Label images with an exported DiMaskDino model: COCO results JSON and an overlay PNG per image.")
        {
            images, model, output, threshold, batchSize, polygons, provider, noOverlays,
        };
        foreach (var option in postProcess.All.Concat(resize.All))
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, cancellationToken) => CommandErrors.RunAsync(
            ct => RunAsync(
                new Request(
                    parse.GetValue(images)!, parse.GetValue(model)!, parse.GetValue(output)!, parse.GetValue(threshold), parse.GetValue(batchSize),
                    parse.GetValue(polygons), parse.GetValue(provider), !parse.GetValue(noOverlays)),
                postProcess.Resolve(parse),
                resize.Resolve(parse),
                ct),
            cancellationToken));
        return command;
    }

    private sealed record Request(
        string[] Images, FileInfo Model, DirectoryInfo Output, double? ScoreThreshold, int BatchSize, bool Polygons, ExecutionProvider Provider, bool Overlays);

    private static async Task<int> RunAsync(
        Request request, (PostProcessMode Mode, LabelPostProcessorOptions Labels) post, (int? ShortEdge, int? MaxSize) resize, CancellationToken cancellationToken)
    {
        if (!request.Model.Exists)
        {
            throw new CliInputException($"--model: file not found: {request.Model.FullName}");
        }

        ScoreThresholdOption.Validate(request.ScoreThreshold);

        if (request.BatchSize is < 1 or > 1024)
        {
            throw new CliInputException($"--batch-size must be between 1 and 1024, got {request.BatchSize}");
        }

        var files = ImageFiles.Expand(request.Images);
        var clock = Stopwatch.StartNew();
        using var session = new ModelSession(
            request.Model.FullName, new InferenceOptions { PreferredProvider = request.Provider }, new ConsoleLogger<ModelSession>());
        ResizeArguments.Check(resize, session.Metadata);
        var scoreThreshold = ScoreThresholdOption.Resolve(request.ScoreThreshold, session.Metadata);
        var predictor = new BatchPredictor(session, new BatchPredictorOptions
        {
            BatchSize = request.BatchSize,
            ResizeShortEdge = resize.ShortEdge,
            ResizeMaxSize = resize.MaxSize,
            PostProcessing = new InstancePostProcessorOptions { ScoreThreshold = scoreThreshold },
        });
        ConsoleUi.Info($"model loaded in {clock.Elapsed.TotalSeconds:F1} s; labelling {files.Count} images");

        Directory.CreateDirectory(request.Output.FullName);
        if (request.Overlays)
        {
            Directory.CreateDirectory(Path.Combine(request.Output.FullName, PredictionWriter.OverlayFolder));
        }

        var writer = new PredictionWriter(request.Output.FullName, files, session.Metadata, request.Polygons, post.Mode);
        var labeler = new LabelPostProcessor(post.Labels with { ScoreThreshold = scoreThreshold });
        var renderer = new OverlayRenderer(session.Metadata.Classes);
        var loader = new ImageLoader();
        var indexOf = files.Select((file, index) => (file, index)).ToDictionary(p => p.file, p => p.index, StringComparer.Ordinal);
        // A FIFO, device or socket is never opened (opening a FIFO blocks until a writer appears): it fails with the reason.
        var readable = new List<string>(files.Count);
        foreach (var file in files)
        {
            var kind = FileKinds.Of(file, followLinks: true);
            if (kind == FileKind.Regular)
            {
                readable.Add(file);
            }
            else
            {
                writer.Add(indexOf[file], new ImageOutcome(file, 0, 0, [], $"not a regular file ({FileKinds.Describe(kind)}); never opened"));
            }
        }

        long done = files.Count - readable.Count, failedSoFar = done;
        clock.Restart();
        // Outcomes arrive in input order; overlays are drawn and saved on several threads as they come.
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken };
        var labelling = Parallel.ForEachAsync(predictor.PredictAsync(ReadAsync(readable, cancellationToken), cancellationToken), parallel, async (outcome, ct) =>
        {
            int index = indexOf[outcome.Key];
            if (post.Mode == PostProcessMode.Labels && outcome.Succeeded)
            {
                outcome = outcome with { Instances = labeler.Process(outcome.Instances, outcome.Width, outcome.Height) };
            }

            writer.Add(index, outcome);
            Interlocked.Increment(ref done);
            if (!outcome.Succeeded)
            {
                Interlocked.Increment(ref failedSoFar);
            }

            if (request.Overlays && outcome.Succeeded)
            {
                var image = loader.Load(await File.ReadAllBytesAsync(files[index], ct));
                using var overlay = renderer.Render(image, outcome.Instances);
                PredictionWriter.WriteAtomically(writer.OverlayPath(index), stream => overlay.SaveAsPng(stream));
            }
        });
        if (LabelProgress.Interactive)
        {
            await labelling;
        }
        else
        {
            await ProgressLines.RunAsync(labelling, () => (Interlocked.Read(ref done), files.Count, Interlocked.Read(ref failedSoFar)));
        }

        var elapsed = clock.Elapsed;
        writer.WriteAll();

        int failed = 0, instances = 0;
        foreach (var (index, outcome) in writer.Outcomes)
        {
            if (outcome.Succeeded)
            {
                instances += outcome.Instances.Count;
                Console.Out.WriteLine($"{files[index]}\t{outcome.Instances.Count}");
            }
            else
            {
                failed++;
                Console.Error.WriteLine($"error: {files[index]}: {outcome.FailureReason}");
            }
        }

        ConsoleUi.Info(
            $"labelled {files.Count - failed} of {files.Count} images ({instances} instances) in {elapsed.TotalSeconds:F1} s, " +
            $"{files.Count / Math.Max(elapsed.TotalSeconds, 1e-9):F1} images/s on {session.Provider}; results in {Path.Combine(request.Output.FullName, PredictionWriter.ResultsFile)}");
        if (failed > 0)
        {
            Console.Error.WriteLine($"error: {failed} of {files.Count} images could not be labelled (listed above and in {PredictionWriter.FailuresFile})");
            return CommandErrors.BadInput;
        }

        return CommandErrors.Success;
    }

    private static async IAsyncEnumerable<ImageInput> ReadAsync(IReadOnlyList<string> files, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var file in files)
        {
            yield return new ImageInput(file, await File.ReadAllBytesAsync(file, cancellationToken));
        }
    }
}
