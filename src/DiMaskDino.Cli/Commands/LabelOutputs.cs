using DiMaskDino.Pipeline.Exports;
using DiMaskDino.Pipeline.Jobs;

namespace DiMaskDino.Cli.Commands;

/// <summary>
/// <c>label --polygons</c> (annotations.json with polygon masks) and <c>label --format</c> (exports to
/// <c>OUT_DIR/exports/FORMAT/</c>), written from the job's annotations.json once it is in the output folder.
/// </summary>
internal sealed record LabelOutputs(bool Polygons, IReadOnlyList<ExportFormat> Formats)
{
    public const string ExportsFolder = "exports";

    public Task WriteAsync(string outputFolder, string? imagesFolder, CancellationToken cancellationToken)
    {
        if (!Polygons && Formats.Count == 0)
        {
            return Task.CompletedTask;
        }

        var labels = LabelSet.Read(outputFolder);
        foreach (var format in Formats.Distinct())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var folder = Path.Combine(outputFolder, ExportsFolder, format.ToString().ToLowerInvariant());
            LabelExporter.Write(labels, format, folder, new ExportOptions { Polygons = Polygons, ImagesFolder = imagesFolder });
            ConsoleUi.Info($"{format.ToString().ToLowerInvariant()} export in {folder}");
        }

        if (Polygons)
        {
            // annotations.json itself, converted through a COCO export and moved into place.
            var staging = Path.Combine(outputFolder, ExportsFolder, ".polygons");
            LabelExporter.Write(labels, ExportFormat.Coco, staging, new ExportOptions { Polygons = true });
            File.Move(Path.Combine(staging, JobPaths.AnnotationsFile), Path.Combine(outputFolder, JobPaths.AnnotationsFile), overwrite: true);
            Directory.Delete(staging, recursive: true);
        }

        return Task.CompletedTask;
    }
}
