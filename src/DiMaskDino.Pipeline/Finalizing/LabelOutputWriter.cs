using System.Text.Json;
using DiMaskDino.Contracts.Labels;
using DiMaskDino.Pipeline.Jobs;

namespace DiMaskDino.Pipeline.Finalizing;

/// <summary>
/// Writes annotations.json (a COCO dataset) and failures.json to local temporary files while shard results are fed
/// in shard order, one at a time: images and annotations go to two part files that are spliced into the dataset at
/// the end, so memory holds one shard's result whatever the job size. Annotation ids are 1, 2, … in output order;
/// images keep the ids assigned at planning. Same results in, same bytes out. annotations.json's <c>info</c> names the
/// post-processing mode; labels carry <c>model_bbox</c> and <c>box_mask_iou</c>. With <c>evaluation</c>, the
/// results' evaluation-mode instances also go to a COCO results file (<see cref="DetectionsPath"/>) for the report.
/// </summary>
internal sealed class LabelOutputWriter : IDisposable
{
    private static readonly JsonWriterOptions Compact = new() { Indented = false };

    private readonly string _folder;
    private readonly string _prefix;
    private readonly FileStream _imagesPart;
    private readonly FileStream _annotationsPart;
    private readonly FileStream _failuresFile;
    private readonly Utf8JsonWriter _images;
    private readonly Utf8JsonWriter _annotations;
    private readonly Utf8JsonWriter _failures;
    private readonly PostProcessMode _mode;
    private readonly FileStream? _detectionsFile;
    private readonly Utf8JsonWriter? _detections;
    private IReadOnlyList<LabelCategory>? _categories;

    /// <param name="imagesPrefix">removed from blob names to give COCO file names</param>
    /// <param name="mode">the post-processing the results' instances went through</param>
    /// <param name="evaluation">also write the evaluation-mode instances to <see cref="DetectionsPath"/></param>
    public LabelOutputWriter(string imagesPrefix, PostProcessMode mode, bool evaluation)
    {
        _prefix = imagesPrefix;
        _mode = mode;
        _folder = Directory.CreateTempSubdirectory("dimaskdino-finalize-").FullName;
        _imagesPart = File.Create(Path.Combine(_folder, "images.part"));
        _annotationsPart = File.Create(Path.Combine(_folder, "annotations.part"));
        _failuresFile = File.Create(FailuresPath);
        _images = new Utf8JsonWriter(_imagesPart, Compact);
        _annotations = new Utf8JsonWriter(_annotationsPart, Compact);
        _failures = new Utf8JsonWriter(_failuresFile, new JsonWriterOptions { Indented = true });
        _images.WriteStartArray();
        _annotations.WriteStartArray();
        _failures.WriteStartArray();
        if (evaluation)
        {
            _detectionsFile = File.Create(DetectionsPath);
            _detections = new Utf8JsonWriter(_detectionsFile, Compact);
            _detections.WriteStartArray();
        }
    }

    public string AnnotationsPath => Path.Combine(_folder, JobPaths.AnnotationsFile);

    public string FailuresPath => Path.Combine(_folder, JobPaths.FailuresFile);

    /// <summary>The evaluation-mode detections (a COCO results array), when the writer was asked for them.</summary>
    public string DetectionsPath => Path.Combine(_folder, "detections.json");

    public long ImagesLabeled { get; private set; }

    public long ImagesFailed { get; private set; }

    public long Annotations { get; private set; }

    public int CategoryCount => _categories?.Count ?? 0;

    public void Add(ShardResult result)
    {
        _categories ??= result.Categories;
        foreach (var image in result.Images)
        {
            var fileName = image.Name.StartsWith(_prefix, StringComparison.Ordinal) ? image.Name[_prefix.Length..] : image.Name;
            if (image.Failure is { } failure)
            {
                ImagesFailed++;
                _failures.WriteStartObject();
                _failures.WriteString("file_name", fileName);
                _failures.WriteString("reason", failure.Reason);
                _failures.WriteEndObject();
                continue;
            }

            ImagesLabeled++;
            _images.WriteStartObject();
            _images.WriteNumber("id", image.Id);
            _images.WriteNumber("width", image.Width);
            _images.WriteNumber("height", image.Height);
            _images.WriteString("file_name", fileName);
            _images.WriteEndObject();
            foreach (var instance in image.Instances)
            {
                WriteAnnotation(++Annotations, image.Id, instance);
            }

            if (_detections is not null)
            {
                // Results written before the two modes existed hold official instances only (at the job's threshold).
                foreach (var instance in image.Evaluation ?? image.Instances)
                {
                    WriteDetection(_detections, image.Id, instance);
                }
            }
        }

        _images.Flush();
        _annotations.Flush();
        _failures.Flush();
        _detections?.Flush();
    }

    /// <summary>Closes the arrays and splices annotations.json together; call once after the last result.</summary>
    public void Complete()
    {
        _images.WriteEndArray();
        _annotations.WriteEndArray();
        _failures.WriteEndArray();
        _images.Flush();
        _annotations.Flush();
        _failures.Flush();
        _failuresFile.Write("\n"u8);
        _failures.Dispose();
        _failuresFile.Dispose();
        if (_detections is not null)
        {
            _detections.WriteEndArray();
            _detections.Flush();
            _detectionsFile!.Write("\n"u8);
            _detections.Dispose();
            _detectionsFile.Dispose();
        }

        using var output = File.Create(AnnotationsPath);
        output.Write(_mode == PostProcessMode.Labels ? "{\"info\":{\"postprocess\":\"labels\"},\"images\":"u8 : "{\"info\":{\"postprocess\":\"official\"},\"images\":"u8);
        Append(_imagesPart, output);
        output.Write(",\"annotations\":"u8);
        Append(_annotationsPart, output);
        output.Write(",\"categories\":"u8);
        using (var categories = new Utf8JsonWriter(output, Compact))
        {
            categories.WriteStartArray();
            foreach (var category in _categories ?? [])
            {
                categories.WriteStartObject();
                categories.WriteNumber("id", category.Id);
                categories.WriteString("name", category.Name);
                categories.WriteEndObject();
            }

            categories.WriteEndArray();
        }

        output.Write("}\n"u8);
    }

    public void Dispose()
    {
        _images.Dispose();
        _annotations.Dispose();
        _failures.Dispose();
        _detections?.Dispose();
        _imagesPart.Dispose();
        _annotationsPart.Dispose();
        _failuresFile.Dispose();
        _detectionsFile?.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private void WriteAnnotation(long id, long imageId, LabeledInstance instance)
    {
        var w = _annotations;
        w.WriteStartObject();
        w.WriteNumber("id", id);
        w.WriteNumber("image_id", imageId);
        w.WriteNumber("category_id", instance.CategoryId);
        w.WriteStartObject("segmentation");
        w.WriteStartArray("size");
        w.WriteNumberValue(instance.Segmentation.Size[0]);
        w.WriteNumberValue(instance.Segmentation.Size[1]);
        w.WriteEndArray();
        w.WriteString("counts", instance.Segmentation.Counts);
        w.WriteEndObject();
        w.WriteNumber("area", instance.Area);
        WriteBox(w, "bbox", instance.Bbox);
        w.WriteNumber("iscrowd", 0);
        w.WriteNumber("score", instance.Score);
        if (instance.ModelBbox is { } modelBox)
        {
            WriteBox(w, "model_bbox", modelBox);
        }

        if (instance.BoxMaskIou is { } iou)
        {
            w.WriteNumber("box_mask_iou", iou);
        }

        w.WriteEndObject();
    }

    private static void WriteDetection(Utf8JsonWriter w, long imageId, LabeledInstance instance)
    {
        w.WriteStartObject();
        w.WriteNumber("image_id", imageId);
        w.WriteNumber("category_id", instance.CategoryId);
        WriteBox(w, "bbox", instance.Bbox);
        w.WriteNumber("score", instance.Score);
        w.WriteStartObject("segmentation");
        w.WriteStartArray("size");
        w.WriteNumberValue(instance.Segmentation.Size[0]);
        w.WriteNumberValue(instance.Segmentation.Size[1]);
        w.WriteEndArray();
        w.WriteString("counts", instance.Segmentation.Counts);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteBox(Utf8JsonWriter w, string name, double[] box)
    {
        w.WriteStartArray(name);
        foreach (var v in box)
        {
            w.WriteNumberValue(v);
        }

        w.WriteEndArray();
    }

    private static void Append(FileStream part, Stream output)
    {
        part.Flush();
        part.Position = 0;
        part.CopyTo(output);
    }
}
