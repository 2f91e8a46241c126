using System.Text.Json;
using DiMaskDino.Coco.Masks;
using DiMaskDino.Coco;
using DiMaskDino.Contracts.Labels;
using DiMaskDino.Contracts.Models;
using DiMaskDino.Inference.Batching;
using DiMaskDino.Inference.PostProcessing;
using DiMaskDino.Inference.Runtime;

namespace DiMaskDino.Cli.Predict;

/// <summary>
/// Collects the outcomes of a <c>predict</c> run and writes its files into the output directory, each written to a
/// temporary file and renamed into place:
/// <list type="bullet">
/// <item><c>results.json</c>: the COCO results array (image_id, category_id, bbox, score, segmentation as compressed
/// RLE, or polygons with <c>--polygons</c>).</item>
/// <item><c>images.json</c>: a COCO dataset file with the labelled images (id, file_name, width, height) and the
/// model's categories, no annotations: the image_id ↔ file mapping; its <c>info.postprocess</c> names the mode.</item>
/// <item><c>failures.json</c>: <c>[{"image_id", "file_name", "reason"}]</c> for images that could not be labelled.</item>
/// </list>
/// Image ids are 1 + the image's position in the expanded IMAGE list, so a failed image keeps its id.
/// </summary>
internal sealed class PredictionWriter(string directory, IReadOnlyList<string> files, ModelMetadata model, bool polygons, PostProcessMode mode)
{
    public const string ResultsFile = "results.json";
    public const string ImagesFile = "images.json";
    public const string FailuresFile = "failures.json";
    public const string OverlayFolder = "overlays";

    private readonly ImageOutcome?[] _outcomes = new ImageOutcome?[files.Count];
    private readonly Dictionary<int, int> _categoryIds = model.Classes.ToDictionary(c => c.Index, c => c.Id);

    public static long ImageId(int index) => index + 1L;

    /// <summary>Where the overlay of image <paramref name="index"/> goes: <c>overlays/&lt;image_id&gt;-&lt;file name without extension&gt;.png</c>.</summary>
    public string OverlayPath(int index) =>
        Path.Combine(directory, OverlayFolder, $"{ImageId(index)}-{Path.GetFileNameWithoutExtension(files[index])}.png");

    /// <summary>Records the outcome of image <paramref name="index"/>; thread-safe for distinct indices.</summary>
    public void Add(int index, ImageOutcome outcome) => _outcomes[index] = outcome;

    /// <summary>(image index, outcome) in input order, for the images whose outcome has arrived.</summary>
    public IEnumerable<(int Index, ImageOutcome Outcome)> Outcomes =>
        _outcomes.Select((o, i) => (i, o)).Where(p => p.o is not null).Select(p => (p.i, p.o!));

    public void WriteAll()
    {
        var outcomes = Outcomes.ToList();
        var detections = outcomes.Where(p => p.Outcome.Succeeded).SelectMany(p => Detections(ImageId(p.Index), p.Outcome.Instances)).ToList();
        WriteAtomically(Path.Combine(directory, ResultsFile), stream => CocoFiles.WriteDetections(detections, stream));

        var dataset = new CocoDataset
        {
            Info = JsonDocument.Parse(mode == PostProcessMode.Labels ? "{\"postprocess\":\"labels\"}" : "{\"postprocess\":\"official\"}").RootElement.Clone(),
            Images = [.. outcomes.Where(p => p.Outcome.Succeeded).Select(p => new CocoImage
            {
                Id = ImageId(p.Index),
                FileName = files[p.Index],
                Width = p.Outcome.Width,
                Height = p.Outcome.Height,
            })],
            Categories = [.. model.Classes.Select(c => new CocoCategory { Id = c.Id, Name = c.Name })],
        };
        WriteAtomically(Path.Combine(directory, ImagesFile), stream => CocoFiles.WriteDataset(dataset, stream));

        WriteAtomically(Path.Combine(directory, FailuresFile), stream =>
        {
            using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            json.WriteStartArray();
            foreach (var (index, outcome) in outcomes.Where(p => !p.Outcome.Succeeded))
            {
                json.WriteStartObject();
                json.WriteNumber("image_id", ImageId(index));
                json.WriteString("file_name", files[index]);
                json.WriteString("reason", outcome.FailureReason);
                json.WriteEndObject();
            }

            json.WriteEndArray();
        });
    }

    /// <summary>Writes <paramref name="path"/> through a temporary file in the same folder, renamed into place when complete.</summary>
    public static void WriteAtomically(string path, Action<Stream> write)
    {
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = File.Create(temporary))
            {
                write(stream);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);  // no-op once moved
        }
    }

    private IEnumerable<CocoDetection> Detections(long imageId, IReadOnlyList<InstancePrediction> instances)
    {
        if (!polygons)
        {
            return InstancePostProcessor.ToDetections(instances, imageId, index => _categoryIds[index]);
        }

        // A polygon segmentation needs at least one polygon: an instance with an empty mask is left out.
        return instances
            .Select(instance => (Instance: instance, Polygons: MaskPolygons.FromMask(instance.Mask)))
            .Where(p => p.Polygons.Count > 0)
            .Select(p => new CocoDetection
            {
                ImageId = imageId,
                CategoryId = _categoryIds[p.Instance.ClassIndex],
                Score = p.Instance.Score,
                Bbox = p.Instance.Box,
                Segmentation = new PolygonSegmentation(p.Polygons),
            });
    }
}
