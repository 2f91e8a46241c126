using DiMaskDino.Coco;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Storage;

namespace DiMaskDino.Pipeline.Exports;

/// <summary>
/// The finalizer's exports: for each format of <see cref="JobRequest.Formats"/>, the export of the job's
/// annotations.json written to a local temporary folder and uploaded to <c>labels/{dataset}/{jobId}/exports/{format}/</c>
/// first-writer-wins, before the job is marked completed (so a completed job's exports are whole). Like the
/// evaluation, an export holds the dataset in memory.
/// </summary>
internal static class JobExports
{
    public const string Folder = "exports";

    public static async Task UploadAsync(IBlobStore blobs, JobRecord job, string annotationsFile, BlobPath labelsFolder, CancellationToken cancellationToken)
    {
        var formats = JobIds.ExportFormats(job.Request).ToList();
        if (formats.Count == 0)
        {
            return;
        }

        var labels = new LabelSet(
            CocoFiles.ReadDataset(annotationsFile), $"{Path.GetFileName(job.Request.Model.Name)}@{job.Request.Model.Version}", annotationsFile);
        foreach (var format in formats)
        {
            var name = format.ToString().ToLowerInvariant();
            var folder = Directory.CreateTempSubdirectory("dimaskdino-export-").FullName;
            try
            {
                LabelExporter.WriteInto(labels, format, new ExportOptions(), folder);
                foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                {
                    var relative = Path.GetRelativePath(folder, file).Replace('\\', '/');
                    var bytes = await File.ReadAllBytesAsync(file, cancellationToken);
                    await blobs.WriteAsync(labelsFolder.Child($"{Folder}/{name}/{relative}"), BinaryData.FromBytes(bytes), WriteMode.CreateNew, cancellationToken);
                }
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }
}
