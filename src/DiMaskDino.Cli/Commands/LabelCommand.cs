using System.CommandLine;
using System.Security.Cryptography;
using DiMaskDino.Cli.Review;
using DiMaskDino.Coco;
using DiMaskDino.Contracts.Images;
using DiMaskDino.Contracts.Labels;
using DiMaskDino.Contracts.Models;
using DiMaskDino.Hosting;
using DiMaskDino.Inference.Batching;
using DiMaskDino.Inference.Images;
using DiMaskDino.Inference.PostProcessing;
using DiMaskDino.Inference.Runtime;
using DiMaskDino.Pipeline;
using DiMaskDino.Pipeline.Azure.Storage;
using DiMaskDino.Pipeline.Checkpoints;
using DiMaskDino.Pipeline.Embedded;
using DiMaskDino.Pipeline.Exports;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Planning;
using DiMaskDino.Pipeline.Processing;
using DiMaskDino.Pipeline.Review;
using DiMaskDino.Pipeline.Storage;
using Microsoft.Extensions.Logging;

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
        var source = LowerCaseEnum.Option("--source", LabelSource.Local, "local (a folder, work files in OUT_DIR/.dimaskdino) or azure (a storage account).");
        var workers = new Option<int>("--workers") { Description = "Shard workers in this process.", DefaultValueFactory = _ => 2 };
        var shardSize = new Option<int>("--shard-size") { Description = "Images per shard (the unit of work and of resuming).", DefaultValueFactory = _ => PipelineOptions.DefaultShardSize };
        var batchSize = new Option<int>("--batch-size") { Description = "Images per model run.", DefaultValueFactory = _ => 8 };
        var score = ScoreThresholdOption.Create();
        var maxDetections = new Option<int>("--max-detections")
        {
            Description = "At most this many instances per image.", DefaultValueFactory = _ => LabelingDefaults.DetectionsPerImage,
        };
        var gt = new Option<string?>("--gt") { Description = "COCO ground truth (file_name relative to INPUT), a file; with --source azure a blob name in the datasets container. Adds report.json, report.md and plots." };
        var cpu = new Option<bool>("--cpu") { Description = "Same as --provider cpu." };
        var provider = ProviderOption.Create();
        var previews = new Option<bool>("--previews") { Description = "Also write an overlay PNG per labeled image to OUT_DIR/previews/." };
        var reviewTop = new Option<int>("--review-top") { Description = "Images shown in OUT_DIR/review.html, the review queue's worst first (their overlays drawn in previews/); 0 writes no page. review.json and review.csv rank every image.", DefaultValueFactory = _ => LabelReview.DefaultTop };
        var storage = new BlobStorageArguments();
        var postProcess = new PostProcessArguments();
        var resize = new ResizeArguments();
        var polygons = new Option<bool>("--polygons") { Description = "Write annotations.json's masks as polygons instead of compressed RLE." };
        var formats = LowerCaseEnum.List<ExportFormat>(
            "--format", "Also export the labels for a labeling tool: coco, labelstudio, cvat or yolo (repeatable), to OUT_DIR/exports/FORMAT/.");

        var command = new Command("label", "Label a folder of images with a DiMaskDino model (COCO annotations with RLE masks); resumable and incremental.")
        {
            input, model, output, source, workers, shardSize, batchSize, score, maxDetections, gt, cpu, provider, previews, reviewTop,
        };
        foreach (var option in storage.All.Concat(postProcess.All).Concat(resize.All).Append(polygons).Append(formats))
        {
            command.Options.Add(option);
        }

        var requestOptions = new LabelRequestOptions(input.Name, new Dictionary<JobRequestField, string>
        {
            [JobRequestField.Model] = model.Name,
            [JobRequestField.GroundTruth] = gt.Name,
            [JobRequestField.ShardSize] = shardSize.Name,
            [JobRequestField.ScoreThreshold] = score.Name,
            [JobRequestField.DetectionsPerImage] = maxDetections.Name,
            [JobRequestField.DuplicateMaskIou] = postProcess.DuplicateIou.Name,
            [JobRequestField.MinSpeckArea] = postProcess.MinSpeckArea.Name,
        });

        command.SetAction((parse, cancellationToken) => CommandErrors.RunAsync(
            ct => RunAsync(
                new LabelArguments(
                    parse.GetValue(input)!, parse.GetValue(model)!, parse.GetValue(output)!, parse.GetValue(workers), parse.GetValue(shardSize),
                    parse.GetValue(batchSize), parse.GetValue(score), parse.GetValue(maxDetections), parse.GetValue(gt), parse.GetValue(cpu) ? ExecutionProvider.Cpu : parse.GetValue(provider),
                    parse.GetValue(previews), parse.GetValue(source)),
                postProcess.Resolve(parse),
                new LabelOutputs(parse.GetValue(polygons), parse.GetValue(formats) ?? []),
                resize.Resolve(parse),
                parse.GetValue(reviewTop),
                requestOptions,
                () => new AzureBlobStore(storage.Resolve(parse)),
                ct),
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(
        LabelArguments args, (PostProcessMode Mode, LabelPostProcessorOptions Labels) post, LabelOutputs outputs, (int? ShortEdge, int? MaxSize) resize, int reviewTop,
        LabelRequestOptions requestOptions, Func<AzureBlobStore> account, CancellationToken cancellationToken)
    {
        args.Validate();
        LabelReview.Validate(reviewTop);
        var draft = Draft(args, post);
        requestOptions.ThrowIfInvalid(draft);
        var outputFolder = args.Output.FullName;
        // Retries, lost locks and dead letters: one line each on standard error, above the live progress bar.
        using ILoggerFactory loggers = new StandardErrorLoggerFactory(LogLevel.Warning, LabelProgress.WriteLine);
        var cacheOptions = new ModelCacheOptions
        {
            CacheDirectory = Path.Combine(outputFolder, ".dimaskdino", "model-cache"),
            Inference = new InferenceOptions { PreferredProvider = args.Provider },
            Batching = new BatchPredictorOptions { BatchSize = args.BatchSize, ResizeShortEdge = resize.ShortEdge, ResizeMaxSize = resize.MaxSize },
        };

        // Everything that would make every image fail is checked before anything is written: the input has images,
        // the model is an ONNX model with DiMaskDino metadata, the ground truth is a valid COCO dataset.
        var (store, request) = args.Source == LabelSource.Azure
            ? await AzureJobAsync(args, draft, account(), cancellationToken)
            : await LocalJobAsync(args, draft, outputFolder, cancellationToken);
        using var models = new ModelCache(store, cacheOptions, loggers);
        var description = await LoadModelAsync(models, request.Model, args.Model, cancellationToken);
        ResizeArguments.Check(resize, description);
        request = request with { Thresholds = request.Thresholds with { ScoreThreshold = ScoreThresholdOption.Resolve(args.ScoreThreshold, description) } };
        var runner = new EmbeddedJobRunner(store, models, new PipelineOptions(), loggers); // the shard size travels in the request
        var progress = new LabelProgress();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = await progress.RunAsync(() => runner.RunAsync(request, args.Workers, progress, cancellationToken));

        var userPaths = args.Source == LabelSource.Local ? LabelExport.UserPaths(result.Job, outputFolder, args.GroundTruth) : null;
        await LabelExport.CopyAsync(store, result.Job, outputFolder, userPaths, cancellationToken);
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

    /// <summary>
    /// The request as far as the arguments tell, checked by the request's rules before anything is read: the model's
    /// version (and, locally, the ground truth's name in the work store) come once the files are checked, the score
    /// threshold's default once the model is loaded.
    /// </summary>
    private static JobRequest Draft(LabelArguments args, (PostProcessMode Mode, LabelPostProcessorOptions Labels) post)
    {
        var thresholds = new LabelingThresholds
        {
            ScoreThreshold = args.ScoreThreshold ?? ScoreThresholdOption.Default,
            DetectionsPerImage = args.MaxDetections,
            PostProcess = post.Mode,
            DuplicateMaskIou = post.Labels.DuplicateMaskIou,
            MinSpeckArea = post.Labels.MinSpeckArea,
            Box = post.Labels.Box,
        };
        if (args.Source == LabelSource.Local)
        {
            return new JobRequest
            {
                Dataset = Dataset,
                ImagesPrefix = "",
                Model = new ModelReference(ModelLocation.File, Path.GetFullPath(args.Model), Version: ""),
                ShardSize = args.ShardSize,
                Thresholds = thresholds,
            };
        }

        var prefix = args.Input.Trim('/');
        if (prefix.Length == 0)
        {
            throw new CliInputException("INPUT: with --source azure, give the dataset's prefix in the images container (e.g. shapes)");
        }

        var modelName = args.Model.StartsWith(Containers.Models + "/", StringComparison.Ordinal) ? args.Model[(Containers.Models.Length + 1)..] : args.Model;
        return new JobRequest
        {
            Dataset = prefix.Replace('/', '-'),
            ImagesPrefix = prefix + "/",
            Model = new ModelReference(ModelLocation.Blob, modelName, Version: ""),
            ShardSize = args.ShardSize,
            Thresholds = thresholds,
            GroundTruth = args.GroundTruth,
        };
    }

    /// <summary>The input folder as the images container, everything else under OUT_DIR/.dimaskdino; the model by file.</summary>
    private static async Task<(IBlobStore, JobRequest)> LocalJobAsync(LabelArguments args, JobRequest draft, string outputFolder, CancellationToken cancellationToken)
    {
        var images = new InputFolderStore(Path.GetFullPath(args.Input), excluded: outputFolder);
        await RequireImagesAsync(images, JobPaths.ImagesPrefix(""), $"INPUT: no images found in {images.Folder}", cancellationToken);
        var modelFile = draft.Model.Name;
        await CheckModelFileAsync(modelFile, cancellationToken);
        var gtBytes = args.GroundTruth is { } gtFile ? ReadGroundTruth(File.ReadAllBytes(gtFile), Path.GetFullPath(gtFile)) : null;
        var modelVersion = "sha256:" + await HashAsync(modelFile, cancellationToken);

        var work = new LocalFolderBlobStore(Path.Combine(outputFolder, ".dimaskdino"));
        var store = new ContainerRoutedBlobStore(work, new Dictionary<string, IBlobStore> { [Containers.Images] = images });
        string? groundTruth = null;
        if (gtBytes is not null)
        {
            groundTruth = $"{Dataset}/{Convert.ToHexStringLower(SHA256.HashData(gtBytes))[..16]}/annotations.json";
            await work.WriteAsync(new BlobPath(Containers.Datasets, groundTruth), BinaryData.FromBytes(gtBytes), WriteMode.CreateNew, cancellationToken);
        }

        return (store, draft with { Model = draft.Model with { Version = modelVersion }, GroundTruth = groundTruth });
    }

    /// <summary>Everything in the storage account: images/{INPUT}/, models/{--model}, datasets/{--gt}; jobs and labels written there too.</summary>
    private static async Task<(IBlobStore, JobRequest)> AzureJobAsync(LabelArguments args, JobRequest draft, AzureBlobStore store, CancellationToken cancellationToken)
    {
        await store.EnsureContainersAsync(Containers.All, cancellationToken);
        var modelName = draft.Model.Name;
        var model = await store.GetPropertiesAsync(JobPaths.Model(modelName), cancellationToken)
            ?? throw new CliInputException($"--model: blob {Containers.Models}/{modelName} does not exist");
        if (args.GroundTruth is { } gt)
        {
            var content = await store.ReadAsync(JobPaths.GroundTruth(gt), cancellationToken)
                ?? throw new CliInputException($"--gt: blob {Containers.Datasets}/{gt} does not exist");
            ReadGroundTruth(content.Data.ToArray(), $"{Containers.Datasets}/{gt}");
        }

        await RequireImagesAsync(store, JobPaths.ImagesPrefix(draft.ImagesPrefix), $"INPUT: no images found under {Containers.Images}/{draft.ImagesPrefix}", cancellationToken);
        return (store, draft with { Model = draft.Model with { Version = model.ETag } });
    }

    /// <summary>Throws naming <paramref name="what"/> unless the listing holds at least one image (or an entry failing as one).</summary>
    private static async Task RequireImagesAsync(IBlobStore store, BlobPath prefix, string what, CancellationToken cancellationToken)
    {
        await foreach (var blob in store.ListAsync(prefix, cancellationToken))
        {
            if (ImageFileNames.IsImage(blob.Path.Name) || blob is { Problem: not null, IsFolder: true })
            {
                return;
            }
        }

        throw new CliInputException($"{what} (searched recursively for {string.Join(" ", ImageFileNames.Extensions.Order(StringComparer.Ordinal))})");
    }

    /// <summary>A truncated file or one that is not an ONNX model with DiMaskDino metadata, found without loading it.</summary>
    private static async Task CheckModelFileAsync(string file, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = File.OpenRead(file);
            ModelMetadata.Parse(await OnnxMetadataReader.ReadAsync(stream, file, cancellationToken), file);
        }
        catch (InvalidDataException e)
        {
            throw new CliInputException($"--model: {e.Message}");
        }
    }

    /// <summary>Loads the model once before any shard runs (the workers reuse it): a model ONNX Runtime cannot load stops the command here.</summary>
    private static async Task<ModelMetadata> LoadModelAsync(ModelCache models, ModelReference model, string shown, CancellationToken cancellationToken)
    {
        try
        {
            return (await models.GetAsync(model, new LabelingThresholds(), cancellationToken)).Model;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new CliInputException($"--model: {shown} cannot be loaded: {e.Message}");
        }
    }

    /// <summary>The ground truth's bytes once they read as a COCO dataset; errors name <paramref name="shown"/>, the user's file or blob.</summary>
    private static byte[] ReadGroundTruth(byte[] bytes, string shown)
    {
        try
        {
            CocoFiles.ReadDataset(new MemoryStream(bytes), shown);
            return bytes;
        }
        catch (CocoFormatException e)
        {
            throw new CliInputException($"--gt: {e.Message}");
        }
    }

    private static async Task<string> HashAsync(string file, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(file);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
    }

    private static bool IsBelow(string path, string folder)
    {
        var relative = Path.GetRelativePath(folder, path);
        return relative != "." && !relative.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(relative);
    }

    internal enum LabelSource
    {
        Local,
        Azure,
    }

    private sealed record LabelArguments(
        string Input, string Model, DirectoryInfo Output, int Workers, int ShardSize, int BatchSize, double? ScoreThreshold, int MaxDetections,
        string? GroundTruth, ExecutionProvider Provider, bool Previews, LabelSource Source)
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

            if (BatchSize is < 1 or > 1024)
            {
                throw new CliInputException($"--batch-size must be 1-1024, got {BatchSize}");
            }
        }

        private void ValidateLocal()
        {
            var input = Path.GetFullPath(Input);
            if (File.Exists(input))
            {
                throw new CliInputException($"INPUT must be a folder; {input} is a file (put the image in a folder, or use dimaskdino predict for single images)");
            }

            if (!Directory.Exists(input))
            {
                throw new CliInputException($"INPUT: folder not found: {input}");
            }

            if (File.Exists(Output.FullName))
            {
                throw new CliInputException($"--out {Output.FullName} is a file; give a folder (it is created when missing)");
            }

            if (!File.Exists(Model))
            {
                throw new CliInputException($"--model: file not found: {Path.GetFullPath(Model)}");
            }

            if (GroundTruth is not null && !File.Exists(GroundTruth))
            {
                throw new CliInputException($"--gt: file not found: {Path.GetFullPath(GroundTruth)}");
            }

            // Compared after resolving links: a link must not lead --out onto INPUT, around it, or into it.
            if (RealPaths.IsSameOrInside(input, Output.FullName))
            {
                throw new CliInputException($"--out {Output.FullName} must not be INPUT or a folder that contains it");
            }

            if (RealPaths.IsSameOrInside(Output.FullName, input) && !IsBelow(Output.FullName, input))
            {
                throw new CliInputException($"--out {Output.FullName} leads through a symbolic link into INPUT ({RealPaths.Of(Output.FullName)}); give a folder outside INPUT");
            }

            if (GroundTruth is not null && RealPaths.IsSameOrInside(GroundTruth, Output.FullName))
            {
                throw new CliInputException($"--gt {Path.GetFullPath(GroundTruth)} lies inside --out {Output.FullName}, whose files label overwrites; keep the ground truth elsewhere");
            }
        }
    }
}
