using System.CommandLine;
using DiMaskDino.Hosting;
using DiMaskDino.Model;
using DiMaskDino.Model.Export;
using DiMaskDino.Model.Import;
using DiMaskDino.Model.Training;

namespace DiMaskDino.Training.Commands;

/// <summary>
/// <c>dimaskdino-train import --checkpoint model_final.pth (--preset NAME | --config FILE.yaml) --out DIR [--onnx FILE]
/// [--weights fp32|fp16|int8] [--classes FILE]</c>: an official DI-MaskDINO / MaskDINO checkpoint → our checkpoint
/// folder (and a self-describing ONNX model). Nothing is written unless everything succeeds.
/// </summary>
internal static class ImportCommand
{
    /// <summary>
    /// The canvas recorded in an imported checkpoint's state (the ONNX graph itself is size-dynamic: every image keeps
    /// its own ResizeShortestEdge size padded to 32); also the size <c>export --verify</c> checks such a model at.
    /// </summary>
    public const int RecordedCanvasSide = 800;

    public static Command Create()
    {
        var checkpoint = new Option<FileInfo>("--checkpoint") { Description = "Official checkpoint (model_final.pth, a torch zip file).", Required = true };
        var preset = new Option<string?>("--preset") { Description = $"Released configuration: {string.Join(", ", OfficialPresets.Names)}." };
        var config = new Option<FileInfo?>("--config") { Description = "The official detectron2 YAML configuration (its _BASE_ files resolved relative to it)." };
        var output = new Option<DirectoryInfo>("--out") { Description = "Checkpoint folder to write (model.bin + state.json).", Required = true };
        var onnx = new Option<FileInfo?>("--onnx") { Description = "Also write a self-describing ONNX model here." };
        var weights = new Option<string>("--weights") { Description = "ONNX weight storage: fp32, fp16 or int8.", DefaultValueFactory = _ => "fp32" };
        weights.AcceptOnlyFromAmong([.. ExportCommand.WeightOptionValues.Keys]);
        var classes = new Option<FileInfo?>("--classes")
        {
            Description = "Class names: a COCO categories list (or dataset) or one name per line. Default: COCO's 80 for 80-class models, else class_1..class_N.",
        };

        var command = new Command("import", "Import an official DI-MaskDINO or MaskDINO checkpoint (every key, shape and shared alias checked).")
        {
            checkpoint, preset, config, output, onnx, weights, classes,
        };
        command.SetAction((parse, cancellationToken) => CommandErrors.RunAsync(
            _ => Task.FromResult(Run(
                parse.GetValue(checkpoint)!, parse.GetValue(preset), parse.GetValue(config), parse.GetValue(output)!, parse.GetValue(onnx),
                ExportCommand.WeightOptionValues[parse.GetValue(weights)!], parse.GetValue(classes))),
            cancellationToken));
        return command;
    }

    private static int Run(
        FileInfo checkpoint, string? preset, FileInfo? config, DirectoryInfo output, FileInfo? onnx, WeightPrecision precision, FileInfo? classes)
    {
        if ((preset is null) == (config is null))
        {
            throw new CliInputException("give exactly one of --preset NAME or --config FILE.yaml");
        }

        var options = preset is not null ? Preset(preset) : DetectronConfigOptions.From(DetectronConfig.Load(config!.FullName));
        var configuration = preset is not null ? $"preset {preset}" : $"the configuration of {config!.Name}";
        var categories = ImportedCategories.For(options.NumClasses, classes?.FullName);
        var target = output.FullName.TrimEnd(Path.DirectorySeparatorChar);
        var staging = $"{target}.import-{Environment.ProcessId}";
        try
        {
            int tensors, aliases;
            byte[]? bytes;
            using (var file = TorchCheckpointReader.Open(checkpoint.FullName))
            using (var model = OfficialCheckpointImporter.Load(file, options, configuration))
            {
                tensors = model.state_dict().Count;
                aliases = file.Entries.Count - tensors - file.Entries.Count(e => e.Name == OfficialKeyMap.CriterionBuffer);
                var state = State(options, categories, checkpoint.Name);
                Checkpoint.Save(staging, model, null, state);
                bytes = onnx is null ? null : CheckpointExporter.ToOnnx(model, state, null, precision);   // rounds the weights after saving them
            }

            if (Directory.Exists(target))
            {
                Directory.Delete(target, recursive: true);
            }

            Directory.Move(staging, target);
            if (bytes is not null)
            {
                CheckpointExporter.Save(bytes, onnx!.FullName);
            }

            Console.WriteLine(
                $"imported {checkpoint.FullName} ({configuration}, {options.NumClasses} classes, {tensors} tensors, {aliases} aliases checked) → {target}"
                + (bytes is null ? "" : $", {onnx!.FullName} ({precision.MetadataValue()} weights, size-dynamic input)"));
            return CommandErrors.Success;
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }

    private static ModelOptions Preset(string name)
    {
        try
        {
            return OfficialPresets.For(name);
        }
        catch (ArgumentException e)
        {
            throw new CliInputException("--preset: " + e.Message);
        }
    }

    private static CheckpointState State(ModelOptions options, IReadOnlyList<CheckpointCategory> categories, string source) => new()
    {
        Preset = options.Preset.ToString(),
        DeImbalance = options.DeImbalance,
        Bato = options.Bato,
        Normalization = CheckpointNormalization.From(options.Normalization),
        Categories = categories,
        Architecture = CheckpointArchitecture.From(options),
        Epoch = 0,
        Iteration = 0,
        TotalIterations = 0,
        CanvasSize = RecordedCanvasSide,
        Seed = 0,
        TrainingData = $"imported from {source} ({options.PresetName})",
    };
}
