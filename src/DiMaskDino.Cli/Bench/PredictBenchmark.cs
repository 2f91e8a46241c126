using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using DiMaskDino.Cli.Commands;
using DiMaskDino.Coco;
using DiMaskDino.Contracts.Images;
using DiMaskDino.Contracts.Models;
using DiMaskDino.Hosting;
using DiMaskDino.Inference.Batching;
using DiMaskDino.Inference.Images;
using DiMaskDino.Inference.PostProcessing;
using DiMaskDino.Inference.Runtime;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace DiMaskDino.Cli.Bench;

/// <summary>
/// <c>dimaskdino bench predict --model MODEL.onnx [--images DIR | --count 200 --size 128] [--batch-size 8] [--runs 3]</c>:
/// end-to-end BatchPredictor throughput (encoded bytes in memory → decode → letterbox → ORT → post-processing → RLE →
/// results JSON on disk) against the pure model time (ORT runs alone on the same images, preprocessed beforehand,
/// in batches of the same size). Overhead = end-to-end / pure − 1; medians of the runs.
/// </summary>
internal static class PredictBenchmark
{
    public static Command Create()
    {
        var model = new Option<FileInfo>("--model") { Description = "The exported model.", Required = true };
        var images = new Option<DirectoryInfo?>("--images") { Description = "Folder of images (searched recursively); without it, --count synthetic PNGs are generated in memory." };
        var count = new Option<int>("--count") { Description = "Images: generated ones, or the first ones of --images.", DefaultValueFactory = _ => 200 };
        var size = new Option<int>("--size") { Description = "Side of generated images in pixels.", DefaultValueFactory = _ => 128 };
        var batchSize = new Option<int>("--batch-size") { Description = "Images per ONNX Runtime run.", DefaultValueFactory = _ => 8 };
        var runs = new Option<int>("--runs") { Description = "Repetitions; medians are reported.", DefaultValueFactory = _ => 3 };
        var threshold = new Option<double>("--score-threshold") { Description = "Post-processing score threshold (0: the top 100 per image, the evaluation setting).", DefaultValueFactory = _ => 0 };
        var provider = ProviderOption.Create();
        var spinning = new Option<bool>("--allow-spinning")
        {
            Description = "ORT intra-op threads spin while waiting (InferenceOptions.AllowSpinning).",
            DefaultValueFactory = _ => new InferenceOptions().AllowSpinning,
            Arity = ArgumentArity.ExactlyOne,
        };

        var command = new Command("predict", "Benchmark end-to-end prediction (decode → infer → RLE → JSON) against the pure model time.")
        {
            model, images, count, size, batchSize, runs, threshold, provider, spinning,
        };
        command.SetAction((parse, cancellationToken) => CommandErrors.RunAsync(
            ct => RunAsync(
                parse.GetValue(model)!, parse.GetValue(images), parse.GetValue(count), parse.GetValue(size), parse.GetValue(batchSize),
                parse.GetValue(runs), parse.GetValue(threshold), new InferenceOptions { PreferredProvider = parse.GetValue(provider), AllowSpinning = parse.GetValue(spinning) }, ct),
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(
        FileInfo modelFile, DirectoryInfo? folder, int count, int size, int batchSize, int runs, double threshold, InferenceOptions inferenceOptions,
        CancellationToken cancellationToken)
    {
        if (!modelFile.Exists)
        {
            throw new CliInputException($"--model: file not found: {modelFile.FullName}");
        }

        if (count < 1 || size < 1 || batchSize < 1 || runs < 1)
        {
            throw new CliInputException("--count, --size, --batch-size and --runs must be at least 1");
        }

        var inputs = folder is null ? Generate(count, size) : Read(folder, count);
        using var session = new ModelSession(modelFile.FullName, inferenceOptions, new ConsoleLogger<ModelSession>());
        var predictor = new BatchPredictor(session, new BatchPredictorOptions
        {
            BatchSize = batchSize,
            PostProcessing = new InstancePostProcessorOptions { ScoreThreshold = threshold },
        });
        var batches = Preprocess(session.Metadata, inputs, batchSize);
        var results = Path.Combine(Path.GetTempPath(), $"dimaskdino-bench-predict-{Guid.NewGuid():N}.json");
        ConsoleUi.Info($"{inputs.Count} images, batch {batchSize}, {session.Provider}, {Environment.ProcessorCount} cores, spinning {inferenceOptions.AllowSpinning}; warming up");
        await EndToEndAsync(predictor, inputs.Take(2 * batchSize).ToList(), results, cancellationToken);
        Pure(session, batches.Take(2).ToList(), cancellationToken);

        var pure = new List<double>();
        var endToEnd = new List<double>();
        var pureCpu = new List<double>();
        var endToEndCpu = new List<double>();
        long detections = 0;
        try
        {
            for (int run = 0; run < runs; run++)
            {
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
                var cpu = CpuSeconds();
                pure.Add(Pure(session, batches, cancellationToken));
                pureCpu.Add(CpuSeconds() - cpu);
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
                cpu = CpuSeconds();
                (var seconds, detections) = await EndToEndAsync(predictor, inputs, results, cancellationToken);
                endToEnd.Add(seconds);
                endToEndCpu.Add(CpuSeconds() - cpu);
                Console.Error.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"run {run + 1}: pure model {pure[^1]:F2} s ({pureCpu[^1]:F2} s CPU), end-to-end {endToEnd[^1]:F2} s ({endToEndCpu[^1]:F2} s CPU), overhead {endToEnd[^1] / pure[^1] - 1:P1}"));
            }
        }
        finally
        {
            File.Delete(results);
        }

        var stages = StageCosts(session, predictor, inputs, batchSize, threshold, cancellationToken);
        Console.Error.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"one-thread cost per image: decode+letterbox {stages.Decode * 1e3:F2} ms, post-processing {stages.Post * 1e3:F2} ms, RLE+JSON {stages.Json * 1e3:F2} ms; ORT {Median(pure) * 1e3 / inputs.Count:F2} ms wall"));

        double p = Median(pure), e = Median(endToEnd);
        var peak = Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024.0);
        double pc = Median(pureCpu), ec = Median(endToEndCpu);
        Console.Out.WriteLine($"| images | batch | provider | pure model (median of {runs}) | end-to-end | overhead | end-to-end images/s | CPU time pure / end-to-end | detections | peak RSS |");
        Console.Out.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
        Console.Out.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"| {inputs.Count} | {batchSize} | {session.Provider} | {p:F2} s | {e:F2} s | {e / p - 1:P1} | {inputs.Count / e:F1} | {pc:F1} s / {ec:F1} s | {detections} | {peak:F0} MiB |"));
        return CommandErrors.Success;
    }

    /// <summary>
    /// Where the end-to-end overhead comes from: the CPU time per image of each step outside ORT, each measured on
    /// one thread over all images (seconds per image).
    /// </summary>
    private static (double Decode, double Post, double Json) StageCosts(
        ModelSession session, BatchPredictor predictor, List<ImageInput<string>> inputs, int batchSize, double threshold, CancellationToken cancellationToken)
    {
        var model = session.Metadata;
        var loader = new ImageLoader();
        var (height, width) = model.FixedInputSize();
        var letterbox = new Letterbox(height, width, model.ChannelOrder, model.Mean.ToArray(), model.Std.ToArray());
        var postProcessor = new InstancePostProcessor(new InstancePostProcessorOptions { ScoreThreshold = threshold });
        int q = model.NumQueries, c = model.NumClasses, plane = height / 4 * (width / 4);
        double decode = 0, post = 0;
        var instances = new List<IReadOnlyList<InstancePrediction>>();
        foreach (var chunk in inputs.Chunk(batchSize))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var input = new float[chunk.Length * letterbox.InputLength];
            var geometries = new LetterboxGeometry[chunk.Length];
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < chunk.Length; i++)
            {
                geometries[i] = letterbox.Apply(loader.Load(chunk[i].Bytes), input.AsSpan(i * letterbox.InputLength, letterbox.InputLength));
            }

            decode += clock.Elapsed.TotalSeconds;
            using var outputs = session.Run(input, chunk.Length, cancellationToken);
            clock.Restart();
            for (int i = 0; i < chunk.Length; i++)
            {
                instances.Add(postProcessor.Process(
                    outputs.Logits.Slice(i * q * c, q * c), outputs.Boxes.Slice(i * q * 4, q * 4), outputs.Masks.Slice(i * q * plane, q * plane),
                    c, height / 4, width / 4, geometries[i]));
            }

            post += clock.Elapsed.TotalSeconds;
        }

        var json = Stopwatch.StartNew();
        var detections = instances.SelectMany((list, i) => InstancePostProcessor.ToDetections(list, i + 1, index => predictor.Model.Classes[index].Id)).ToList();
        CocoFiles.WriteDetections(detections, Stream.Null);
        return (decode / inputs.Count, post / inputs.Count, json.Elapsed.TotalSeconds / inputs.Count);
    }

    /// <summary>ORT runs only: the batches are already decoded, letterboxed and laid out.</summary>
    private static double Pure(ModelSession session, List<(float[] Input, int Count)> batches, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        foreach (var (input, n) in batches)
        {
            using var outputs = session.Run(input, n, cancellationToken);
        }

        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>BatchPredictor over the encoded images, then COCO results JSON (compressed RLE) written to <paramref name="results"/>.</summary>
    private static async Task<(double Seconds, long Detections)> EndToEndAsync(
        BatchPredictor predictor, List<ImageInput<string>> inputs, string results, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var detections = new List<CocoDetection>();
        long imageId = 0;
        var categories = predictor.Model.Classes;
        await foreach (var outcome in predictor.PredictAsync(ToAsync(inputs), cancellationToken))
        {
            imageId++;
            if (!outcome.Succeeded)
            {
                throw new InvalidDataException($"{outcome.Tag}: {outcome.FailureReason}");
            }

            detections.AddRange(InstancePostProcessor.ToDetections(outcome.Instances, imageId, index => categories[index].Id));
        }

        using (var stream = File.Create(results))
        {
            CocoFiles.WriteDetections(detections, stream);
        }

        return (clock.Elapsed.TotalSeconds, detections.Count);
    }

    private static List<(float[] Input, int Count)> Preprocess(ModelMetadata model, List<ImageInput<string>> inputs, int batchSize)
    {
        var loader = new ImageLoader();
        var (height, width) = model.FixedInputSize();
        var letterbox = new Letterbox(height, width, model.ChannelOrder, model.Mean.ToArray(), model.Std.ToArray());
        var batches = new List<(float[], int)>();
        foreach (var chunk in inputs.Chunk(batchSize))
        {
            var input = new float[chunk.Length * letterbox.InputLength];
            for (int i = 0; i < chunk.Length; i++)
            {
                letterbox.Apply(loader.Load(chunk[i].Bytes), input.AsSpan(i * letterbox.InputLength, letterbox.InputLength));
            }

            batches.Add((input, chunk.Length));
        }

        return batches;
    }

    private static List<ImageInput<string>> Read(DirectoryInfo folder, int count)
    {
        if (!folder.Exists)
        {
            throw new CliInputException($"--images: no such directory: {folder.FullName}");
        }

        var files = Directory.EnumerateFiles(folder.FullName, "*", SearchOption.AllDirectories)
            .Where(ImageFileNames.IsImage)
            .Order(StringComparer.Ordinal).Take(count).ToList();
        return files.Count > 0
            ? [.. files.Select(f => new ImageInput<string>(f, File.ReadAllBytes(f)))]
            : throw new CliInputException($"--images: no images in {folder.FullName}");
    }

    /// <summary>Seeded PNGs: a noisy background with a few filled discs and rectangles.</summary>
    private static List<ImageInput<string>> Generate(int count, int size)
    {
        var random = new SplitMix64(20261125);
        var inputs = new List<ImageInput<string>>(count);
        for (int n = 0; n < count; n++)
        {
            using var image = new Image<Rgb24>(size, size);
            var shapes = Enumerable.Range(0, random.Int(1, 5)).Select(_ => (
                Disc: random.NextDouble() < 0.5, X: random.Uniform(0, size), Y: random.Uniform(0, size), R: random.Uniform(size / 16.0, size / 4.0),
                Colour: new Rgb24((byte)random.Int(0, 256), (byte)random.Int(0, 256), (byte)random.Int(0, 256)))).ToList();
            for (int y = 0; y < size; y++)
            {
                for (int x = 0; x < size; x++)
                {
                    var pixel = new Rgb24((byte)random.Int(60, 110), (byte)random.Int(120, 170), (byte)random.Int(60, 110));
                    foreach (var s in shapes)
                    {
                        double dx = x - s.X, dy = y - s.Y;
                        if (s.Disc ? dx * dx + dy * dy <= s.R * s.R : Math.Abs(dx) <= s.R && Math.Abs(dy) <= s.R * 0.6)
                        {
                            pixel = s.Colour;
                        }
                    }

                    image[x, y] = pixel;
                }
            }

            using var stream = new MemoryStream();
            image.SaveAsPng(stream);
            inputs.Add(new ImageInput<string>($"synthetic-{n:D4}.png", stream.ToArray()));
        }

        return inputs;
    }

    private static async IAsyncEnumerable<ImageInput<string>> ToAsync(List<ImageInput<string>> inputs)
    {
        foreach (var input in inputs)
        {
            yield return input;
        }

        await Task.CompletedTask;
    }

    private static double CpuSeconds()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime.TotalSeconds;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
