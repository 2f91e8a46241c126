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
            Description = "Output folder for annotations.json (the COCO dataset label writes), failures.json and overlays/.",
            DefaultValueFactory = _ => new DirectoryInfo("predictions"),
        };
        var threshold = ScoreThresholdOption.Create();
        var batchSize = new Option<int>("--batch-size") { Description = "Images per ONNX Runtime run.", DefaultValueFactory = _ => 8 };
        var polygons = new Option<bool>("--polygons") { Description = "Write annotations.json's segmentations as polygons instead of compressed RLE." };
        var provider = ProviderOption.Create();
        var noOverlays = new Option<bool>("--no-overlays") { Description = "Do not draw overlay PNGs." };
        var postProcess = new PostProcessArguments();
        var resize = new ResizeArguments();

        var command = new Command("predict", "Label images with an exported DiMaskDino model: a COCO annotations.json (as label writes) and an overlay PNG per image.")
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
        Validate(request);
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

        CreateOutputFolders(request);
        var writer = new PredictionWriter(request.Output.FullName, files, session.Metadata, request.Polygons, post.Mode);
        var readable = RegularFiles(files, writer);
        var labeler = post.Mode == PostProcessMode.Labels ? new LabelPostProcessor(post.Labels with { ScoreThreshold = scoreThreshold }) : null;
        var overlays = request.Overlays ? new OverlayRenderer(session.Metadata.Classes) : null;
        clock.Restart();
        await LabelAsync(predictor, files, readable, writer, labeler, overlays, cancellationToken);
        var elapsed = clock.Elapsed;
        writer.WriteAll();
        return Report(request, files, writer, elapsed, session.Provider);
    }

    private static void Validate(Request request)
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
    }

    private static void CreateOutputFolders(Request request)
    {
        Directory.CreateDirectory(request.Output.FullName);
        if (request.Overlays)
        {
            Directory.CreateDirectory(Path.Combine(request.Output.FullName, PredictionWriter.OverlayFolder));
        }
    }

    /// <summary>
    /// The indices of the regular files; every other one is recorded as failed without being opened (opening a FIFO
    /// blocks until a writer appears; devices and sockets are no images either).
    /// </summary>
    private static List<int> RegularFiles(IReadOnlyList<string> files, PredictionWriter writer)
    {
        var readable = new List<int>(files.Count);
        for (var index = 0; index < files.Count; index++)
        {
            var kind = FileKinds.Of(files[index], followLinks: true);
            if (kind == FileKind.Regular)
            {
                readable.Add(index);
            }
            else
            {
                writer.Add(new ImageOutcome<int>(index, 0, 0, [], $"not a regular file ({FileKinds.Describe(kind)}); never opened"));
            }
        }

        return readable;
    }

    /// <summary>
    /// Runs the predictor over the readable images and records each outcome (made into labels by <paramref name="labeler"/>
    /// when given); outcomes arrive in input order, overlays are drawn and saved on several threads as they come.
    /// </summary>
    private static async Task LabelAsync(
        BatchPredictor predictor, IReadOnlyList<string> files, List<int> readable, PredictionWriter writer, LabelPostProcessor? labeler,
        OverlayRenderer? overlays, CancellationToken cancellationToken)
    {
        long done = files.Count - readable.Count, failedSoFar = done;
        var loader = new ImageLoader();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken };
        var labelling = Parallel.ForEachAsync(predictor.PredictAsync(ReadAsync(files, readable, cancellationToken), cancellationToken), parallel, async (outcome, ct) =>
        {
            if (labeler is not null && outcome.Succeeded)
            {
                outcome = outcome with { Instances = labeler.Process(outcome.Instances, outcome.Width, outcome.Height) };
            }

            writer.Add(outcome);
            Interlocked.Increment(ref done);
            if (!outcome.Succeeded)
            {
                Interlocked.Increment(ref failedSoFar);
            }

            if (overlays is not null && outcome.Succeeded)
            {
                var image = loader.Load(await File.ReadAllBytesAsync(files[outcome.Tag], ct));
                using var overlay = overlays.Render(image, outcome.Instances);
                PredictionWriter.WriteAtomically(writer.OverlayPath(outcome.Tag), stream => overlay.SaveAsPng(stream));
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
    }

    /// <summary>Lists each image's instance count (stdout) or failure (stderr), sums up, and gives the exit code.</summary>
    private static int Report(Request request, IReadOnlyList<string> files, PredictionWriter writer, TimeSpan elapsed, ExecutionProvider provider)
    {
        int failed = 0, instances = 0;
        foreach (var outcome in writer.Outcomes)
        {
            if (outcome.Succeeded)
            {
                instances += outcome.Instances.Count;
                Console.Out.WriteLine($"{files[outcome.Tag]}\t{outcome.Instances.Count}");
            }
            else
            {
                failed++;
                Console.Error.WriteLine($"error: {files[outcome.Tag]}: {outcome.FailureReason}");
            }
        }

        ConsoleUi.Info(
            $"labelled {files.Count - failed} of {files.Count} images ({instances} instances) in {elapsed.TotalSeconds:F1} s, " +
            $"{files.Count / Math.Max(elapsed.TotalSeconds, 1e-9):F1} images/s on {provider}; labels in {Path.Combine(request.Output.FullName, PredictionWriter.AnnotationsFile)}");
        if (failed > 0)
        {
            Console.Error.WriteLine($"error: {failed} of {files.Count} images could not be labelled (listed above and in {PredictionWriter.FailuresFile})");
            return CommandErrors.BadInput;
        }

        return CommandErrors.Success;
    }

    private static async IAsyncEnumerable<ImageInput<int>> ReadAsync(
        IReadOnlyList<string> files, List<int> indices, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var index in indices)
        {
            yield return new ImageInput<int>(index, await File.ReadAllBytesAsync(files[index], cancellationToken));
        }
    }
}
