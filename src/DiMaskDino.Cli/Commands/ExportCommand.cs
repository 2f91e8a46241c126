using System.CommandLine;
using DiMaskDino.Hosting;
using DiMaskDino.Pipeline.Exports;

namespace DiMaskDino.Cli.Commands;

/// <summary>
/// <c>dimaskdino export --from OUT_DIR --format coco|labelstudio|cvat|yolo --out DIR</c>: the labels of a finished
/// <c>label</c> (or <c>predict</c>) output folder in a labeling tool's import format (docs/labels.md, "Exports").
/// </summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var from = new Option<DirectoryInfo>("--from") { Description = "Output folder of a finished label (or predict) run.", Required = true };
        var format = LowerCaseEnum.Required<ExportFormat>("--format", "coco, labelstudio, cvat (COCO 1.0 with polygons) or yolo (Ultralytics segmentation).");
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder to write (replaced as a whole once complete).", Required = true };
        var polygons = new Option<bool>("--polygons") { Description = "coco: polygon masks instead of RLE; labelstudio: polygonlabels instead of brushlabels." };
        var imageUrlPrefix = new Option<string>("--image-url-prefix")
        {
            Description = "labelstudio: prefix of each task's image URL before the file name (default: Label Studio local storage).",
            DefaultValueFactory = _ => new ExportOptions().ImageUrlPrefix,
        };
        var images = new Option<DirectoryInfo?>("--images") { Description = "yolo: the labeled images' folder (INPUT of label); images/ is filled with links to them." };

        var command = new Command("export", "Export the labels of a finished job to COCO, Label Studio, CVAT or YOLO.")
        {
            from, format, output, polygons, imageUrlPrefix, images,
        };
        command.SetAction((parse, cancellationToken) => CommandErrors.RunAsync(
            _ => Task.FromResult(Run(
                parse.GetValue(from)!, parse.GetValue(format), parse.GetValue(output)!,
                new ExportOptions { Polygons = parse.GetValue(polygons), ImageUrlPrefix = parse.GetValue(imageUrlPrefix)!, ImagesFolder = parse.GetValue(images)?.FullName })),
            cancellationToken));
        return command;
    }

    private static int Run(DirectoryInfo from, ExportFormat format, DirectoryInfo output, ExportOptions options)
    {
        if (!from.Exists)
        {
            throw new CliInputException($"--from: folder not found: {from.FullName}");
        }

        if (options.ImagesFolder is { } images && !Directory.Exists(images))
        {
            throw new CliInputException($"--images: folder not found: {images}");
        }

        if (File.Exists(output.FullName))
        {
            throw new CliInputException($"--out {output.FullName} is a file, not a folder");
        }

        LabelSet labels;
        try
        {
            labels = LabelSet.Read(from.FullName);
        }
        catch (FileNotFoundException e)
        {
            throw new CliInputException($"--from: {e.Message}");
        }

        LabelExporter.Write(labels, format, output.FullName, options);
        Console.Out.WriteLine(
            $"{labels.Dataset.Annotations.Count:N0} labels of {labels.Dataset.Images.Count:N0} images exported as {format.ToString().ToLowerInvariant()} -> {output.FullName}");
        return CommandErrors.Success;
    }
}
