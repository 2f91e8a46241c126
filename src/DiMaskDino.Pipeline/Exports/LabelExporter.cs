using DiMaskDino.Pipeline.Jobs;

namespace DiMaskDino.Pipeline.Exports;

/// <summary>
/// Writes a <see cref="LabelSet"/> in one <see cref="ExportFormat"/> to a folder. Everything is written into a
/// temporary sibling folder that then replaces the destination, so the destination is either the previous export or
/// the complete new one, never half-written.
/// </summary>
public static class LabelExporter
{
    public static void Write(LabelSet labels, ExportFormat format, string destination, ExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(labels);
        options ??= new ExportOptions();
        destination = Path.GetFullPath(destination.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
        var parent = Path.GetDirectoryName(destination)!;
        Directory.CreateDirectory(parent);
        var temporary = Path.Combine(parent, $".{Path.GetFileName(destination)}.{Guid.NewGuid():N}.tmp");
        var previous = temporary + ".old";
        Directory.CreateDirectory(temporary);
        try
        {
            WriteInto(labels, format, options, temporary);
            if (Directory.Exists(destination))
            {
                Directory.Move(destination, previous);
            }

            Directory.Move(temporary, destination);
        }
        finally
        {
            if (Directory.Exists(temporary))
            {
                Directory.Delete(temporary, recursive: true);
            }

            if (Directory.Exists(previous))
            {
                Directory.Delete(previous, recursive: true);
            }
        }
    }

    /// <summary>Writes the export into an existing empty <paramref name="folder"/> (no temporary folder, no move).</summary>
    public static void WriteInto(LabelSet labels, ExportFormat format, ExportOptions options, string folder)
    {
        switch (format)
        {
            case ExportFormat.Coco:
                var target = Path.Combine(folder, JobPaths.AnnotationsFile);
                if (labels.AnnotationsFile is { } source && !options.Polygons)
                {
                    File.Copy(source, target);
                }
                else if (labels.AnnotationsFile is { } file)
                {
                    using var stream = File.Create(target);
                    CocoPolygonExport.Write(file, stream);
                }
                else
                {
                    using var stream = File.Create(target);
                    Coco.CocoFiles.WriteDataset(options.Polygons ? WithPolygons(labels) : labels.Dataset, stream);
                }

                break;
            case ExportFormat.LabelStudio:
                LabelStudioTasks.Write(labels, options, folder);
                break;
            case ExportFormat.Cvat:
                CvatCoco.Write(labels, folder);
                break;
            case ExportFormat.Yolo:
                YoloSegmentation.Write(labels, options, folder);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "unknown export format");
        }
    }

    private static Coco.CocoDataset WithPolygons(LabelSet labels)
    {
        var images = labels.Dataset.Images.ToDictionary(i => i.Id);
        return labels.Dataset with
        {
            Annotations = [.. labels.Dataset.Annotations
                .Select(a => (Annotation: a, Polygons: ExportMasks.Polygons(a, images[a.ImageId])))
                .Where(p => p.Polygons.Count > 0)
                .Select(p => p.Annotation with { Segmentation = new Coco.PolygonSegmentation(p.Polygons) })],
        };
    }
}
