using System.Text.Json;
using DiMaskDino.Coco.Json;

namespace DiMaskDino.Coco;

/// <summary>
/// Writes a COCO dataset (<c>{"info", "images", "annotations", "categories"}</c>, compact, ending in a newline) one
/// image at a time, so memory holds one image's instances whatever the dataset size. Images go straight to the output;
/// their annotations go to <c>annotationsBuffer</c> (a scratch stream the caller owns, e.g. a temporary file) and are
/// copied after the last image, since COCO puts every image before every annotation. Annotation ids are 1, 2, … in
/// the order written. Each annotation is <c>{"id", "image_id", "category_id", "segmentation", "area", "bbox",
/// "iscrowd": 0, "score"}</c> plus <c>model_bbox</c> and <c>box_mask_iou</c> when the instance has them. Same input, same bytes.
/// </summary>
public sealed class CocoDatasetWriter : IDisposable
{
    private static readonly JsonWriterOptions Compact = new() { Indented = false };
    private static readonly SegmentationJsonConverter Segmentations = new();
    private static readonly BoundingBoxJsonConverter Boxes = new();

    private readonly Stream _output;
    private readonly Stream _annotationsBuffer;
    private readonly Utf8JsonWriter _images;
    private readonly Utf8JsonWriter _annotations;
    private bool _completed;

    /// <param name="output">where the dataset goes, written from its current position</param>
    /// <param name="annotationsBuffer">an empty, readable and seekable scratch stream for the annotations</param>
    /// <param name="info">the <c>info</c> object's string fields, in order; none writes no <c>info</c></param>
    public CocoDatasetWriter(Stream output, Stream annotationsBuffer, IReadOnlyList<KeyValuePair<string, string>>? info = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(annotationsBuffer);
        if (!annotationsBuffer.CanSeek || !annotationsBuffer.CanRead || annotationsBuffer.Length != 0)
        {
            throw new ArgumentException("the annotations buffer must be an empty, readable and seekable stream", nameof(annotationsBuffer));
        }

        _output = output;
        _annotationsBuffer = annotationsBuffer;
        _output.Write("{"u8);
        if (info is not null)
        {
            _output.Write("\"info\":"u8);
            using var header = new Utf8JsonWriter(_output, Compact);
            header.WriteStartObject();
            foreach (var (name, value) in info)
            {
                header.WriteString(name, value);
            }

            header.WriteEndObject();
            header.Flush();
            _output.Write(","u8);
        }

        _output.Write("\"images\":"u8);
        _images = new Utf8JsonWriter(_output, Compact);
        _annotations = new Utf8JsonWriter(_annotationsBuffer, Compact);
        _images.WriteStartArray();
        _annotations.WriteStartArray();
    }

    /// <summary>An annotations buffer on disk at <paramref name="path"/>: a new file, deleted when the stream closes.</summary>
    public static FileStream CreateScratchBuffer(string path) =>
        new(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 4096, FileOptions.DeleteOnClose);

    public long Images { get; private set; }

    public long Annotations { get; private set; }

    /// <summary>Writes one image and an annotation for each of its <paramref name="instances"/>.</summary>
    public void Write(CocoImage image, IEnumerable<CocoInstance> instances)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(instances);
        ObjectDisposedException.ThrowIf(_completed, this);
        Images++;
        _images.WriteStartObject();
        _images.WriteNumber("id", image.Id);
        _images.WriteNumber("width", image.Width);
        _images.WriteNumber("height", image.Height);
        _images.WriteString("file_name", image.FileName);
        _images.WriteEndObject();
        foreach (var instance in instances)
        {
            WriteAnnotation(++Annotations, image.Id, instance);
        }

        _images.Flush();
        _annotations.Flush();
    }

    /// <summary>Closes the images, copies the annotations after them and writes the categories; call once, after the last image.</summary>
    public void Complete(IEnumerable<CocoCategory> categories)
    {
        ArgumentNullException.ThrowIfNull(categories);
        ObjectDisposedException.ThrowIf(_completed, this);
        _completed = true;
        _images.WriteEndArray();
        _images.Flush();
        _annotations.WriteEndArray();
        _annotations.Flush();
        _output.Write(",\"annotations\":"u8);
        _images.Dispose();
        _annotations.Dispose();
        _annotationsBuffer.Position = 0;
        _annotationsBuffer.CopyTo(_output);
        _output.Write(",\"categories\":"u8);
        using (var writer = new Utf8JsonWriter(_output, Compact))
        {
            writer.WriteStartArray();
            foreach (var category in categories)
            {
                writer.WriteStartObject();
                writer.WriteNumber("id", category.Id);
                writer.WriteString("name", category.Name);
                if (category.Supercategory is { } supercategory)
                {
                    writer.WriteString("supercategory", supercategory);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        _output.Write("}\n"u8);
        _output.Flush();
    }

    /// <summary>Releases the JSON writers; the streams stay the caller's.</summary>
    public void Dispose()
    {
        _images.Dispose();
        _annotations.Dispose();
    }

    private void WriteAnnotation(long id, long imageId, CocoInstance instance)
    {
        var w = _annotations;
        w.WriteStartObject();
        w.WriteNumber("id", id);
        w.WriteNumber("image_id", imageId);
        w.WriteNumber("category_id", instance.CategoryId);
        w.WritePropertyName("segmentation");
        Segmentations.Write(w, instance.Segmentation, JsonSerializerOptions.Default);
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

    private static void WriteBox(Utf8JsonWriter w, string name, BoundingBox box)
    {
        w.WritePropertyName(name);
        Boxes.Write(w, box, JsonSerializerOptions.Default);
    }
}
