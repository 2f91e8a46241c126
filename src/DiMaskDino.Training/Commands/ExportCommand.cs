using System.CommandLine;
using System.Globalization;
using DiMaskDino.Hosting;
using DiMaskDino.Model;
using DiMaskDino.Model.Export;
using DiMaskDino.Model.Training;
using DiMaskDino.Training.Storage;
using Microsoft.ML.OnnxRuntime;
using static TorchSharp.torch;

namespace DiMaskDino.Training.Commands;

/// <summary>
/// <c>dimaskdino-train export --checkpoint CKPT --out MODEL.onnx [--size N] [--weights fp32|fp16|int8] [--verify [--images DIR]]
/// [--publish models/NAME.onnx [--overwrite]]</c>
/// </summary>
internal static class ExportCommand
{
    /// <summary>
    /// Largest max-abs difference --verify accepts (issue 4), for outputs whose values stay within ±1. Trained mask logits
    /// reach ±200, where float32 accumulation order alone (ORT's GEMMs vs libtorch's) moves the last digits by ~1e-3;
    /// so the bound scales with max(1, max |output|): 1e-4 absolute for logits and boxes, 1e-4 relative for large masks.
    /// </summary>
    public const double VerifyTolerance = 1e-4;

    public static Command Create()
    {
        var checkpoint = new Option<DirectoryInfo>("--checkpoint") { Description = "Checkpoint folder (e.g. RUN/checkpoints/last).", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "ONNX file to write.", Required = true };
        var size = new Option<int?>("--size") { Description = "Fixed square input size (multiple of 32; default: the training canvas)." };
        var weights = new Option<string>("--weights")
        {
            Description = "Weight storage: fp32, fp16 (float16 + Cast) or int8 (int8 per output channel for conv/linear matrices, fp16 for the rest).",
            DefaultValueFactory = _ => "fp32",
        };
        weights.AcceptOnlyFromAmong([.. WeightOptionValues.Keys]);
        var verify = new Option<bool>("--verify")
        {
            Description = "Run TorchSharp (with the same rounded weights) and ONNX Runtime on the same images; fail if any output differs by more than 1e-4 × max(1, |output|).",
        };
        var images = new Option<DirectoryInfo?>("--images") { Description = "COCO folder whose first 4 images --verify uses (default: fixed pseudo-random images)." };
        var publish = new Option<string?>(ModelPublisher.Option) { Description = "Upload the written model (after --verify passes) to this blob, e.g. models/tiny-01.onnx." };
        var overwrite = new Option<bool>("--overwrite") { Description = "Let --publish replace an existing model blob." };
        var storage = new BlobStorageArguments();

        var command = new Command("export", "Export a checkpoint's inference graph to a self-describing ONNX model (opset 17).")
        {
            checkpoint, output, size, weights, verify, images, publish, overwrite,
        };
        foreach (var option in storage.All)
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, cancellationToken) => CommandErrors.RunAsync(
            async ct =>
            {
                var target = parse.GetValue(publish) is { } p ? ModelPublisher.ParseTarget(p) : null;
                var replace = parse.GetValue(overwrite);
                if (replace && target is null)
                {
                    throw new CliInputException("--overwrite only applies to --publish");
                }

                var service = target is null ? null : storage.Resolve(parse);
                if (service is not null)
                {
                    await ModelPublisher.CheckTargetAsync(service, target!, replace, ct);
                }

                var file = parse.GetValue(output)!;
                var exit = Run(
                    parse.GetValue(checkpoint)!, file, parse.GetValue(size), WeightOptionValues[parse.GetValue(weights)!],
                    parse.GetValue(verify), parse.GetValue(images));
                if (service is not null)
                {
                    await ModelPublisher.PublishAsync(service, file.FullName, target!, replace, ct);
                    Console.WriteLine($"published: {target}");
                }

                return exit;
            },
            cancellationToken));
        return command;
    }

    /// <summary>The <c>--weights</c> values.</summary>
    public static IReadOnlyDictionary<string, WeightPrecision> WeightOptionValues { get; } = new Dictionary<string, WeightPrecision>
    {
        ["fp32"] = WeightPrecision.Float32,
        ["fp16"] = WeightPrecision.Float16,
        ["int8"] = WeightPrecision.Int8,
    };

    private static int Run(DirectoryInfo checkpoint, FileInfo output, int? requestedSize, WeightPrecision precision, bool verify, DirectoryInfo? verifyImages)
    {
        if (!File.Exists(Path.Combine(checkpoint.FullName, Checkpoint.StateFile)))
        {
            throw new CliInputException($"--checkpoint: {checkpoint.FullName} is not a checkpoint (no {Checkpoint.StateFile})");
        }

        if (requestedSize is { } side && (side < 96 || side % DiMaskDinoModel.SizeDivisibility != 0))
        {
            throw new CliInputException($"--size must be a multiple of {DiMaskDinoModel.SizeDivisibility} and at least 96, got {side}");
        }

        // With fp16/int8 the model comes back holding the rounded weights the file holds: the --verify reference.
        using var exported = CheckpointExporter.Export(checkpoint.FullName, requestedSize, precision);
        var (model, state, size, bytes) = (exported.Model, exported.State, exported.Size, exported.Onnx);
        CheckpointExporter.Save(bytes, output.FullName);
        var input = exported.SizeDynamic ? "size-dynamic" : $"{size}x{size}";
        Console.WriteLine(
            $"exported {output.FullName} ({bytes.Length / (1024.0 * 1024.0):F1} MiB, {precision.MetadataValue()} weights, input {input}, {state.Categories.Count} classes)");

        if (verify)
        {
            var worst = Verify(model, bytes, size, verifyImages);
            foreach (var (name, error, magnitude) in worst)
            {
                Console.WriteLine($"verify {name}: max-abs {error:E2}, allowed {Allowed(magnitude):E2} (max |TorchSharp output| {magnitude:G4})");
            }

            if (worst.Any(w => !(w.Error <= Allowed(w.Magnitude))))
            {
                throw new InvalidDataException($"--verify: ONNX Runtime and TorchSharp differ by more than {VerifyTolerance:E0} × max(1, |output|); the exported file is kept for inspection");
            }
        }

        return CommandErrors.Success;
    }

    /// <summary>The same images (up to 4 of a COCO folder, or 2 fixed pseudo-random ones) through <see cref="DiMaskDinoModel.Infer"/> and ORT (CPU EP).</summary>
    private static List<(string Name, double Error, double Magnitude)> Verify(DiMaskDinoModel model, byte[] onnx, int size, DirectoryInfo? folder)
    {
        using var scope = NewDisposeScope();
        using var inference = inference_mode();
        using var generator = new TorchSharp.torch.Generator(20261124);
        var images = folder is null ? rand([2, 3, size, size], generator: generator) * 255 : LoadImages(folder, size, model.Options);
        var input = model.Preprocess(images).contiguous();
        using var expected = model.Infer(images);

        using var options = new SessionOptions();
        using var session = new InferenceSession(onnx, options);
        using var value = OrtValue.CreateTensorValueFromMemory(input.data<float>().ToArray(), input.shape);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, ["images"], [value], [.. OnnxExporter.InferenceOutputs]);
        Tensor[] reference = [expected.PredLogits, expected.PredBoxes, expected.PredMasks];
        var errors = new List<(string, double, double)>();
        for (var i = 0; i < reference.Length; i++)
        {
            var actual = tensor(results[i].GetTensorDataAsSpan<float>().ToArray(), results[i].GetTensorTypeAndShape().Shape);
            errors.Add((OnnxExporter.InferenceOutputs[i], (reference[i] - actual).abs().max().item<float>(), reference[i].abs().max().item<float>()));
        }

        return errors;
    }

    private static double Allowed(double magnitude) => VerifyTolerance * Math.Max(1, magnitude);

    private static Tensor LoadImages(DirectoryInfo folder, int size, ModelOptions options)
    {
        var dataset = Model.Data.CocoInstanceDataset.OpenFolder(folder.FullName);
        var pad = Model.Data.PadColor.ZeroAfter(options.Normalization);
        var letterbox = new Model.Data.Augmentation.Letterbox(size, size, pad);
        var samples = Enumerable.Range(0, Math.Min(4, dataset.Images.Count))
            .Select(i => letterbox.Apply(dataset.Images[i].Id, dataset.LoadImage(i)).Image)
            .ToList();
        return Model.Data.Collate.Images(samples, pad);
    }
}
