using System.Text.Json;
using DiMaskDino.Coco.Masks;
using DiMaskDino.Coco;
using DiMaskDino.Contracts.Labels;
using DiMaskDino.Contracts.Models;
using DiMaskDino.Inference.Batching;
using DiMaskDino.Inference.PostProcessing;
using DiMaskDino.Inference.Runtime;
using DiMaskDino.Pipeline.Finalizing;
using DiMaskDino.Pipeline.Jobs;

namespace DiMaskDino.Cli.Predict;

/// <summary>
/// Collects the outcomes of a <c>predict</c> run and writes its files into the output directory, each written to a
/// temporary file and renamed into place:
/// <list type="bullet">
/// <item><c>annotations.json</c>: the same COCO dataset <c>label</c> writes (<see cref="AnnotationsDataset"/>): the
/// labelled images (id, width, height, file_name), one annotation per instance (segmentation as compressed RLE, or
/// polygons with <c>--polygons</c>, area, bbox, score, and in the labels mode <c>model_bbox</c> and
/// <c>box_mask_iou</c>), the model's categories; <c>info.postprocess</c> names the mode.</item>
/// <item><c>failures.json</c>: <c>[{"image_id", "file_name", "reason"}]</c> for images that could not be labelled.</item>
/// </list>
/// Image ids are 1 + the image's position in the expanded IMAGE list, so a failed image keeps its id.
/// </summary>
internal sealed class PredictionWriter(string directory, IReadOnlyList<string> files, ModelMetadata model, bool polygons, PostProcessMode mode)
{
    public const string AnnotationsFile = JobPaths.AnnotationsFile;
    public const string FailuresFile = "failures.json";
    public const string OverlayFolder = "overlays";

    private readonly ImageOutcome<int>?[] _outcomes = new ImageOutcome<int>?[files.Count];

    public static long ImageId(int index) => index + 1L;

    /// <summary>Where the overlay of image <paramref name="index"/> goes: <c>overlays/&lt;image_id&gt;-&lt;file name without extension&gt;.png</c>.</summary>
    public string OverlayPath(int index) =>
        Path.Combine(directory, OverlayFolder, $"{ImageId(index)}-{Path.GetFileNameWithoutExtension(files[index])}.png");

    /// <summary>Records the outcome of the image whose index is its tag; thread-safe for distinct indices.</summary>
    public void Add(ImageOutcome<int> outcome) => _outcomes[outcome.Tag] = outcome;

    /// <summary>The outcomes that have arrived, in input order (each tagged with its image index).</summary>
    public IEnumerable<ImageOutcome<int>> Outcomes => _outcomes.OfType<ImageOutcome<int>>();

    public void WriteAll()
    {
        var outcomes = Outcomes.ToList();
        WriteAtomically(Path.Combine(directory, AnnotationsFile), stream =>
        {
            // Annotations follow every image in COCO: they wait in a scratch file next to the output until the images are written.
            using var buffer = CocoDatasetWriter.CreateScratchBuffer(Path.Combine(directory, $".{AnnotationsFile}.{Guid.NewGuid():N}.part"));
            using var dataset = AnnotationsDataset.CreateWriter(stream, buffer, mode);
            foreach (var outcome in outcomes.Where(o => o.Succeeded))
            {
                var image = new CocoImage { Id = ImageId(outcome.Tag), Width = outcome.Width, Height = outcome.Height, FileName = files[outcome.Tag] };
                dataset.Write(image, Instances(outcome.Instances));
            }

            dataset.Complete(model.Classes.Select(c => new CocoCategory { Id = c.Id, Name = c.Name }));
        });

        WriteAtomically(Path.Combine(directory, FailuresFile), stream =>
        {
            using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            json.WriteStartArray();
            foreach (var outcome in outcomes.Where(o => !o.Succeeded))
            {
                json.WriteStartObject();
                json.WriteNumber("image_id", ImageId(outcome.Tag));
                json.WriteString("file_name", files[outcome.Tag]);
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

    private IEnumerable<CocoInstance> Instances(IReadOnlyList<InstancePrediction> instances)
    {
        if (!polygons)
        {
            return instances.Select(instance => instance.ToCoco(CategoryId));
        }

        // A polygon segmentation needs at least one polygon: an instance with an empty mask is left out.
        return instances
            .Select(instance => (Instance: instance, Polygons: MaskPolygons.FromMask(instance.Mask)))
            .Where(p => p.Polygons.Count > 0)
            .Select(p => p.Instance.ToCoco(CategoryId, new PolygonSegmentation(p.Polygons)));
    }

    private int CategoryId(int classIndex) => model.Classes[classIndex].Id;
}
