using System.CommandLine;
using System.Security.Cryptography;
using DiMaskDino.Cli.Review;
using DiMaskDino.Hosting;
using DiMaskDino.Inference.Batching;
using DiMaskDino.Inference.PostProcessing;
using DiMaskDino.Inference.Runtime;
using DiMaskDino.Pipeline;
using DiMaskDino.Pipeline.Embedded;
using DiMaskDino.Pipeline.Exports;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Planning;
using DiMaskDino.Pipeline.Processing;
using DiMaskDino.Pipeline.Review;
using DiMaskDino.Pipeline.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiMaskDino.Cli.Commands;

/// <summary>
/// <c>dimaskdino label INPUT_DIR --model MODEL.onnx --out OUT_DIR [--workers N] [--shard-size K] [--gt GT.json] [--review-top N]</c>:
/// the embedded pipeline (planner, N in-process shard workers, finalizer) over the input folder and a work store in
/// <c>OUT_DIR/.dimaskdino/</c>; resumable after Ctrl-C and incremental when images are added.
/// </summary>
internal static class LabelCommand
{
    /// <summary>The dataset name the embedded CLI uses inside its own work store.</summary>
    public const string Dataset = "local";

    public static Command Create()
    {
        var input = new Argument<string>("INPUT")
        {
            Description = "Folder of images (searched recursively; jpg, png, bmp, gif, webp, tiff, …); with --source azure, the dataset's prefix in the images container.",
        };
        var model = new Option<string>("--model") { Description = "Exported DiMaskDino ONNX model file; with --source azure, a blob name in the models container.", Required = true };
        var output = new Option<DirectoryInfo>("--out") { Description = "Output folder: annotations.json, failures.json, summary.json, the review queue (review.json, review.csv, review.html) and the report with --gt.", Required = true };
        var source = new Option<LabelSource>("--source") { Description = "local (a folder, work files in OUT_DIR/.dimaskdino) or azure (a storage account).", DefaultValueFactory = _ => LabelSource.Local };
        var workers = new Option<int>("--workers") { Description = "Shard workers in this process.", DefaultValueFactory = _ => 2 };
        var shardSize = new Option<int>("--shard-size") { Description = "Images per shard (the unit of work and of resuming).", DefaultValueFactory = _ => 256 };
        var batchSize = new Option<int>("--batch-size") { Description = "Images per model run.", DefaultValueFactory = _ => 8 };
        var score = new Option<double>("--score-threshold") { Description = "Keep instances scoring at least this.", DefaultValueFactory = _ => 0.5 };
        var maxDetections = new Option<int>("--max-detections") { Description = "At most this many instances per image.", DefaultValueFactory = _ => 100 };
        var gt = new Option<string?>("--gt") { Description = "COCO ground truth (file_name relative to INPUT), a file; with --source azure a blob name in the datasets container. Adds report.json, report.md and plots." };
        var cpu = new Option<bool>("--cpu") { Description = "Run on the CPU even when CUDA is available." };
        var previews = new Option<bool>("--previews") { Description = "Also write an overlay PNG per labeled image to OUT_DIR/previews/." };
        var reviewTop = new Option<int>("--review-top") { Description = "Images shown in OUT_DIR/review.html, the review queue's worst first (their overlays drawn in previews/); 0 writes no page. review.json and review.csv rank every image.", DefaultValueFactory = _ => LabelReview.DefaultTop };
        var storage = new AzureStorageArguments();
        var postProcess = new PostProcessArguments();
        var polygons = new Option<bool>("--polygons") { Description = "Write annotations.json's masks as polygons instead of compressed RLE." };
        var formats = new Option<ExportFormat[]>("--format")
        {
            Description = "Also export the labels for a labeling tool: coco, labelstudio, cvat or yolo (repeatable), to OUT_DIR/exports/FORMAT/.",
            AllowMultipleArgumentsPerToken = true,
        };

        var command = new Command("label", "Label a folder of images with a DiMaskDino model (COCO annotations with RLE masks); resumable and incremental.")
        {
            input, model, output, source, workers, shardSize, batchSize, score, maxDetections, gt, cpu, previews, reviewTop,
        };
        foreach (var option in storage.All.Concat(postProcess.All).Append(polygons).Append(formats))
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, cancellationToken) => CommandErrors.RunAsync(
            ct => RunAsync(
                new LabelArguments(
                    parse.GetValue(input)!, parse.GetValue(model)!, parse.GetValue(output)!, parse.GetValue(workers), parse.GetValue(shardSize),
                    parse.GetValue(batchSize), parse.GetValue(score), parse.GetValue(maxDetections), parse.GetValue(gt), parse.GetValue(cpu), parse.GetValue(previews),
                    parse.GetValue(source)),
                postProcess.Resolve(parse, parse.GetValue(score)),
                new LabelOutputs(parse.GetValue(polygons), parse.GetValue(formats) ?? []),
                parse.GetValue(reviewTop),
                () => storage.Resolve(parse),
                ct),
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(
        LabelArguments args, (PostProcessMode Mode, LabelPostProcessorOptions Labels) post, LabelOutputs outputs, int reviewTop,
        Func<AzureStorage> account, CancellationToken cancellationToken)
    {
        args.Validate();
        LabelReview.Validate(reviewTop);
        var outputFolder = args.Output.FullName;
        var thresholds = new LabelingThresholds
        {
            ScoreThreshold = args.ScoreThreshold,
            DetectionsPerImage = args.MaxDetections,
            PostProcess = post.Mode,
            DuplicateMaskIou = post.Labels.DuplicateMaskIou,
            MinSpeckArea = post.Labels.MinSpeckArea,
            Box = post.Labels.Box,
        };
        var (store, request) = args.Source == LabelSource.Azure
            ? await AzureJobAsync(args, account(), thresholds, cancellationToken)
            : await LocalJobAsync(args, outputFolder, thresholds, cancellationToken);

        var cacheOptions = new ModelCacheOptions
        {
            CacheDirectory = Path.Combine(outputFolder, ".dimaskdino", "model-cache"),
            Inference = new InferenceOptions { PreferredProvider = args.Cpu ? ExecutionProvider.Cpu : ExecutionProvider.Cuda },
            Batching = new BatchPredictorOptions { BatchSize = args.BatchSize },
        };
        using var models = new ModelCache(store, cacheOptions, NullLoggerFactory.Instance);
        var runner = new EmbeddedJobRunner(store, models, new PipelineOptions { ShardSize = args.ShardSize }, NullLoggerFactory.Instance);
        var progress = new LabelProgress();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = await progress.RunAsync(() => runner.RunAsync(request, args.Workers, progress, cancellationToken));

        await LabelExport.CopyAsync(store, result.Job, outputFolder, cancellationToken);
        await outputs.WriteAsync(outputFolder, args.Source == LabelSource.Local ? Path.GetFullPath(args.Input) : null, cancellationToken);
        if (args.Previews)
        {
            var drawn = await LabelPreviews.WriteAsync(store, result.Job, outputFolder, cancellationToken);
            ConsoleUi.Info($"{drawn:N0} previews in {Path.Combine(outputFolder, LabelPreviews.Folder)}");
        }

        var review = await LabelReview.WriteAsync(store, result.Job, outputFolder, reviewTop, args.Previews, cancellationToken);
        ConsoleUi.Info($"review queue: {Path.Combine(outputFolder, ReviewJson.FileName)}"
            + (reviewTop > 0 ? $", worst {Math.Min(reviewTop, review.Images.Count):N0} in {Path.Combine(outputFolder, ReviewPage.FileName)}" : ""));

        var summary = result.Summary;
        var how = result.Outcome switch
        {
            SubmissionOutcome.UpToDate or SubmissionOutcome.AlreadyFinished => "already up to date; outputs rewritten from job " + result.Job.JobId,
            SubmissionOutcome.Resumed => $"resumed job {result.Job.JobId}",
            _ => $"job {result.Job.JobId}",
        };
        ConsoleUi.Info($"{how} in {clock.Elapsed.TotalSeconds:F1} s");
        Console.Out.WriteLine(
            $"{summary.ImagesLabeled:N0} of {summary.ImagesTotal:N0} images labeled ({summary.ImagesLabeledThisJob:N0} by the model in this job, {summary.ImagesCarried:N0} kept from the previous one), "
            + $"{summary.ImagesFailed:N0} failed, {summary.Annotations:N0} annotations -> {Path.Combine(outputFolder, JobPaths.AnnotationsFile)}");
        if (summary.Evaluation is { } evaluation)
        {
            LabelEvaluationOutput.Print(outputFolder, evaluation);
        }

        return CommandErrors.Success;
    }

    /// <summary>The input folder as the images container, everything else under OUT_DIR/.dimaskdino; the model by file.</summary>
    private static async Task<(IBlobStore, JobRequest)> LocalJobAsync(LabelArguments args, string outputFolder, LabelingThresholds thresholds, CancellationToken cancellationToken)
    {
        var work = new LocalFolderBlobStore(Path.Combine(outputFolder, ".dimaskdino"));
        var store = new ContainerRoutedBlobStore(
            work,
            new Dictionary<string, IBlobStore> { [Containers.Images] = new InputFolderStore(Path.GetFullPath(args.Input), excluded: outputFolder) });
        var modelFile = Path.GetFullPath(args.Model);
        var modelVersion = "sha256:" + await HashAsync(modelFile, cancellationToken);
        string? groundTruth = null;
        if (args.GroundTruth is { } gtFile)
        {
            var bytes = await File.ReadAllBytesAsync(gtFile, cancellationToken);
            groundTruth = $"{Dataset}/{Convert.ToHexStringLower(SHA256.HashData(bytes))[..16]}/annotations.json";
            await work.WriteAsync(new BlobPath(Containers.Datasets, groundTruth), BinaryData.FromBytes(bytes), WriteMode.CreateNew, cancellationToken);
        }

        return (store, new JobRequest
        {
            Dataset = Dataset,
            ImagesPrefix = "",
            Model = new ModelReference(ModelLocation.File, modelFile, modelVersion),
            ShardSize = args.ShardSize,
            Thresholds = thresholds,
            GroundTruth = groundTruth,
        });
    }

    /// <summary>Everything in the storage account: images/{INPUT}/, models/{--model}, datasets/{--gt}; jobs and labels written there too.</summary>
    private static async Task<(IBlobStore, JobRequest)> AzureJobAsync(LabelArguments args, AzureStorage account, LabelingThresholds thresholds, CancellationToken cancellationToken)
    {
        var store = account.BlobStore();
        await store.EnsureContainersAsync(Containers.All, cancellationToken);
        var prefix = args.Input.Trim('/');
        if (prefix.Length == 0)
        {
            throw new CliInputException("INPUT: with --source azure, give the dataset's prefix in the images container (e.g. shapes)");
        }

        var modelName = args.Model.StartsWith(Containers.Models + "/", StringComparison.Ordinal) ? args.Model[(Containers.Models.Length + 1)..] : args.Model;
        var model = await store.GetPropertiesAsync(JobPaths.Model(modelName), cancellationToken)
            ?? throw new CliInputException($"--model: blob {Containers.Models}/{modelName} does not exist");
        if (args.GroundTruth is { } gt && await store.GetPropertiesAsync(JobPaths.GroundTruth(gt), cancellationToken) is null)
        {
            throw new CliInputException($"--gt: blob {Containers.Datasets}/{gt} does not exist");
        }

        return (store, new JobRequest
        {
            Dataset = prefix.Replace('/', '-'),
            ImagesPrefix = prefix + "/",
            Model = new ModelReference(ModelLocation.Blob, modelName, model.ETag),
            ShardSize = args.ShardSize,
            Thresholds = thresholds,
            GroundTruth = args.GroundTruth,
        });
    }

    private static async Task<string> HashAsync(string file, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(file);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
    }

    internal enum LabelSource
    {
        Local,
        Azure,
    }

    private sealed record LabelArguments(
        string Input, string Model, DirectoryInfo Output, int Workers, int ShardSize, int BatchSize, double ScoreThreshold, int MaxDetections,
        string? GroundTruth, bool Cpu, bool Previews, LabelSource Source)
    {
        public void Validate()
        {
            if (Source == LabelSource.Local)
            {
                ValidateLocal();
            }

            if (Workers is < 1 or > 64)
            {
                throw new CliInputException($"--workers must be 1-64, got {Workers}");
            }

            if (ShardSize is < 1 or > 100_000)
            {
                throw new CliInputException($"--shard-size must be 1-100000, got {ShardSize}");
            }

            if (BatchSize is < 1 or > 1024)
            {
                throw new CliInputException($"--batch-size must be 1-1024, got {BatchSize}");
            }

            if (ScoreThreshold is < 0 or > 1 || double.IsNaN(ScoreThreshold))
            {
                throw new CliInputException($"--score-threshold must be within 0..1, got {ScoreThreshold}");
            }

            if (MaxDetections < 1)
            {
                throw new CliInputException($"--max-detections must be at least 1, got {MaxDetections}");
            }
        }

        private void ValidateLocal()
        {
            var input = Path.GetFullPath(Input);
            if (!Directory.Exists(input))
            {
                throw new CliInputException($"INPUT: folder not found: {input}");
            }

            if (!File.Exists(Model))
            {
                throw new CliInputException($"--model: file not found: {Path.GetFullPath(Model)}");
            }

            if (GroundTruth is not null && !File.Exists(GroundTruth))
            {
                throw new CliInputException($"--gt: file not found: {Path.GetFullPath(GroundTruth)}");
            }

            var inputFromOutput = Path.GetRelativePath(Output.FullName, input);
            if (inputFromOutput == "." || (!inputFromOutput.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(inputFromOutput)))
            {
                throw new CliInputException($"--out {Output.FullName} must not be INPUT or a folder that contains it");
            }
        }
    }
}
