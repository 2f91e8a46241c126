using System.IO.Compression;
using System.Text.Json;

namespace DiMaskDino.Pipeline.Exports;

/// <summary>
/// CVAT's "COCO 1.0" import for non-crowd objects: <c>annotations/instances_default.json</c> (and the same in
/// <c>annotations.zip</c>, the archive CVAT's "Upload annotations" takes) with polygon segmentations, <c>iscrowd</c> 0
/// and the fields CVAT itself exports (<c>attributes.occluded</c>, the image URLs, licenses, info). Scores and other
/// extra fields are left out: CVAT has no place for them unless a label declares an attribute of that name.
/// </summary>
internal static class CvatCoco
{
    public const string AnnotationsFile = "annotations/instances_default.json";
    public const string ZipFile = "annotations.zip";

    public static void Write(LabelSet labels, string folder)
    {
        var dataset = labels.Dataset;
        var file = Path.Combine(folder, AnnotationsFile);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var images = dataset.Images.ToDictionary(i => i.Id);
        using (var stream = File.Create(file))
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteStartArray("licenses");
            w.WriteStartObject();
            w.WriteString("name", "");
            w.WriteNumber("id", 0);
            w.WriteString("url", "");
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteStartObject("info");
            w.WriteString("contributor", "");
            w.WriteString("date_created", "");
            w.WriteString("description", $"pre-labels by {labels.ModelVersion}");
            w.WriteString("url", "");
            w.WriteString("version", "");
            w.WriteString("year", "");
            w.WriteEndObject();
            w.WriteStartArray("categories");
            foreach (var category in dataset.Categories)
            {
                w.WriteStartObject();
                w.WriteNumber("id", category.Id);
                w.WriteString("name", category.Name);
                w.WriteString("supercategory", "");
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("images");
            foreach (var image in dataset.Images)
            {
                w.WriteStartObject();
                w.WriteNumber("id", image.Id);
                w.WriteNumber("width", image.Width);
                w.WriteNumber("height", image.Height);
                w.WriteString("file_name", image.FileName);
                w.WriteNumber("license", 0);
                w.WriteString("flickr_url", "");
                w.WriteString("coco_url", "");
                w.WriteNumber("date_captured", 0);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("annotations");
            foreach (var annotation in dataset.Annotations)
            {
                var image = images[annotation.ImageId];
                var polygons = ExportMasks.Polygons(annotation, image);
                if (polygons.Count == 0)
                {
                    continue;
                }

                var mask = ExportMasks.Mask(annotation, image);
                var box = annotation.Bbox ?? mask.Bounds;
                w.WriteStartObject();
                w.WriteNumber("id", annotation.Id);
                w.WriteNumber("image_id", annotation.ImageId);
                w.WriteNumber("category_id", annotation.CategoryId);
                w.WriteStartArray("segmentation");
                foreach (var polygon in polygons)
                {
                    w.WriteStartArray();
                    foreach (var v in polygon)
                    {
                        w.WriteNumberValue(v);
                    }

                    w.WriteEndArray();
                }

                w.WriteEndArray();
                w.WriteNumber("area", annotation.Area ?? mask.Area);
                w.WriteStartArray("bbox");
                w.WriteNumberValue(box.X);
                w.WriteNumberValue(box.Y);
                w.WriteNumberValue(box.Width);
                w.WriteNumberValue(box.Height);
                w.WriteEndArray();
                w.WriteNumber("iscrowd", 0);
                w.WriteStartObject("attributes");
                w.WriteBoolean("occluded", false);
                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        using var zip = System.IO.Compression.ZipFile.Open(Path.Combine(folder, ZipFile), ZipArchiveMode.Create);
        zip.CreateEntryFromFile(file, AnnotationsFile);
    }
}
