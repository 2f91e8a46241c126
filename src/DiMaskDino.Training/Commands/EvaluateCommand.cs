// dimaskdino-train evaluate: the COCO AP of an exported model run by ONNX Runtime, through the same letterbox,
// post-processing and pycocotools-exact COCOeval as training's validation (ValidationRunner), so the numbers of an
// fp32 export equal the ones training logged, and a compressed export can be compared with them.

using System.CommandLine;
using System.Globalization;
using DiMaskDino.Coco;
using DiMaskDino.Coco.Evaluation;
using DiMaskDino.Hosting;
using DiMaskDino.Model.Data;
using DiMaskDino.Model.Data.Augmentation;
using DiMaskDino.Model.Evaluation;
using static TorchSharp.torch;

namespace DiMaskDino.Training.Commands;

/// <summary><c>dimaskdino-train evaluate --model MODEL.onnx --data DIR [--batch 8] [--threads 2]</c></summary>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var model = new Option<FileInfo>("--model") { Description = "Exported ONNX model (dimaskdino-train export).", Required = true };
        var data = new Option<DirectoryInfo>("--data") { Description = "COCO folder (annotations.json + images/) to evaluate on.", Required = true };
        var batch = new Option<int>("--batch") { Description = "Images per ONNX Runtime run.", DefaultValueFactory = _ => 8 };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var command = new Command("evaluate", "COCO APbox/APmask of an exported model in ONNX Runtime, computed as training's validation does.")
        {
            model, data, batch, threads,
        };
        command.SetAction((parse, cancellationToken) => CommandErrors.RunAsync(
            ct => Task.FromResult(Run(parse.GetValue(model)!, parse.GetValue(data)!, parse.GetValue(batch), parse.GetValue(threads), ct)),
            cancellationToken));
        return command;
    }

    private static int Run(FileInfo modelFile, DirectoryInfo data, int batchSize, int threads, CancellationToken cancellationToken)
    {
        if (batchSize < 1 || threads < 1)
        {
            throw new CliInputException($"--batch and --threads must be at least 1, got {batchSize} and {threads}");
        }

        if (!File.Exists(Path.Combine(data.FullName, "annotations.json")))
        {
            throw new CliInputException($"--data: {data.FullName} has no annotations.json");
        }

        using var forward = new OnnxForward(modelFile.FullName, threads);
        var dataset = CocoInstanceDataset.OpenFolder(data.FullName);
        var datasetIds = dataset.Categories.Categories.Select(c => c.Id).ToList();
        if (!datasetIds.SequenceEqual(forward.ClassIds))
        {
            throw new CliInputException(
                $"--data has categories [{string.Join(", ", datasetIds)}], the model was trained on [{string.Join(", ", forward.ClassIds)}] (ids in class order)");
        }

        var started = DateTime.UtcNow;
        var detections = Predict(forward, dataset, batchSize, cancellationToken);
        var box = CocoEvaluator.Evaluate(dataset.GroundTruth, detections, new CocoEvalParameters { IouType = IouType.Bbox });
        var mask = CocoEvaluator.Evaluate(dataset.GroundTruth, detections, new CocoEvalParameters { IouType = IouType.Segm });
        static string Stats(CocoEvaluation e) => string.Join(" ", e.Stats.Select(s => s.ToString("F4", CultureInfo.InvariantCulture)));
        Console.WriteLine($"{modelFile.Name} ({forward.Precision.ToString().ToLowerInvariant()} weights) on {dataset.Images.Count} images of {data.FullName}:");
        Console.WriteLine($"APbox {box.Stats[0] * 100:F2}  APmask {mask.Stats[0] * 100:F2}  (AP50 {box.Stats[1] * 100:F2} / {mask.Stats[1] * 100:F2})");
        Console.WriteLine($"box stats:  {Stats(box)}");
        Console.WriteLine($"mask stats: {Stats(mask)}");
        Console.Error.WriteLine($"{detections.Count} detections in {(DateTime.UtcNow - started).TotalSeconds:F1} s");
        return CommandErrors.Success;
    }

    /// <summary>ValidationRunner's loop with ONNX Runtime in place of <c>model.Infer</c>.</summary>
    private static List<CocoDetection> Predict(OnnxForward forward, CocoInstanceDataset dataset, int batchSize, CancellationToken cancellationToken)
    {
        var pad = PadColor.ZeroAfter(forward.Normalization);
        var letterbox = new Letterbox(forward.InputSize, forward.InputSize, pad);
        var postProcessor = new InstancePostProcessor();
        var detections = new List<CocoDetection>();
        foreach (var batch in EvalLoader.Read(dataset, letterbox, cancellationToken: cancellationToken).Chunk(batchSize))
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            using var inference = inference_mode();
            var images = Collate.Images([.. batch.Select(s => s.Image)], pad);
            var outputs = forward.Run(forward.Normalization.Apply(images));
            for (var b = 0; b < batch.Length; b++)
            {
                var info = batch[b].Letterbox;
                var geometry = new ImageGeometry(
                    (int)images.shape[2], (int)images.shape[3], info.ResizedHeight, info.ResizedWidth, info.OriginalHeight, info.OriginalWidth);
                var instances = postProcessor.Process(outputs[0][b], outputs[1][b], outputs[2][b], geometry);
                detections.AddRange(InstancePostProcessor.ToDetections(instances, batch[b].ImageId, dataset.Categories.IdOf));
            }
        }

        return detections;
    }
}
