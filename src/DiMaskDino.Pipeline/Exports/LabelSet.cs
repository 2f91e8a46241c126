using System.Text.Json;
using DiMaskDino.Coco;
using DiMaskDino.Pipeline.Jobs;

namespace DiMaskDino.Pipeline.Exports;

/// <summary>
/// The labels of a finished job's output folder: the annotations.json that <c>label</c> and <c>predict</c> write (and
/// summary.json for the model), or the results.json with images.json of a folder written by an older <c>predict</c>.
/// <see cref="AnnotationsFile"/> is set for the former, whose file the COCO export copies or converts as it is.
/// </summary>
public sealed record LabelSet(CocoDataset Dataset, string ModelVersion, string? AnnotationsFile)
{
    public const string PredictResultsFile = "results.json";
    public const string PredictImagesFile = "images.json";

    /// <exception cref="FileNotFoundException">The folder holds neither output.</exception>
    public static LabelSet Read(string folder)
    {
        var annotations = Path.Combine(folder, JobPaths.AnnotationsFile);
        if (File.Exists(annotations))
        {
            return new LabelSet(CocoFiles.ReadDataset(annotations), ReadModelVersion(Path.Combine(folder, JobPaths.SummaryFile)), annotations);
        }

        var results = Path.Combine(folder, PredictResultsFile);
        var images = Path.Combine(folder, PredictImagesFile);
        if (File.Exists(results) && File.Exists(images))
        {
            var dataset = CocoFiles.ReadDataset(images);
            var detections = CocoFiles.ReadDetections(results);
            dataset = dataset with
            {
                Annotations = [.. detections.Select((d, i) => new CocoAnnotation
                {
                    Id = i + 1,
                    ImageId = d.ImageId,
                    CategoryId = d.CategoryId,
                    Segmentation = d.Segmentation,
                    Bbox = d.Bbox,
                    Score = d.Score,
                })],
            };
            return new LabelSet(dataset, "dimaskdino", null);
        }

        throw new FileNotFoundException(
            $"{folder} holds no labels: expected {JobPaths.AnnotationsFile} (dimaskdino label or predict) or {PredictResultsFile} with {PredictImagesFile} (an older dimaskdino predict)", annotations);
    }

    /// <summary>"model@version" from summary.json, or "dimaskdino" without one.</summary>
    private static string ReadModelVersion(string summaryFile)
    {
        if (!File.Exists(summaryFile))
        {
            return "dimaskdino";
        }

        using var summary = JsonDocument.Parse(File.ReadAllBytes(summaryFile));
        var root = summary.RootElement;
        var model = root.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String ? Path.GetFileName(m.GetString()!) : "dimaskdino";
        return root.TryGetProperty("model_version", out var v) && v.ValueKind == JsonValueKind.String ? $"{model}@{v.GetString()}" : model;
    }
}
