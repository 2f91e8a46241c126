using System.Globalization;
using System.Security;
using System.Text;
using System.Text.Json;
using DiMaskDino.Coco;

namespace DiMaskDino.Pipeline.Exports;

/// <summary>
/// Label Studio's import: <c>tasks.json</c>, one task per labeled image,
/// <c>{"data": {"image": URL}, "predictions": [{"model_version", "score", "result": [...]}]}</c>, each result a
/// <c>brushlabels</c> region (<see cref="LabelStudioBrush"/>) or, with polygons, one <c>polygonlabels</c> region per
/// polygon (points in percent of the image size), with the label's score; and <c>labeling-config.xml</c>, the project's
/// labeling configuration whose tag names (<c>label</c>, <c>image</c>) the results refer to.
/// </summary>
internal static class LabelStudioTasks
{
    public const string TasksFile = "tasks.json";
    public const string ConfigFile = "labeling-config.xml";

    public static void Write(LabelSet labels, ExportOptions options, string folder)
    {
        var dataset = labels.Dataset;
        var names = dataset.Categories.ToDictionary(c => c.Id, c => c.Name);
        var byImage = dataset.Annotations.ToLookup(a => a.ImageId);
        using (var stream = File.Create(Path.Combine(folder, TasksFile)))
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = false }))
        {
            w.WriteStartArray();
            foreach (var image in dataset.Images)
            {
                var annotations = byImage[image.Id].ToList();
                w.WriteStartObject();
                w.WriteStartObject("data");
                w.WriteString("image", options.ImageUrlPrefix + image.FileName);
                w.WriteEndObject();
                w.WriteStartArray("predictions");
                w.WriteStartObject();
                w.WriteString("model_version", labels.ModelVersion);
                w.WriteNumber("score", annotations.Count == 0 ? 0 : annotations.Average(a => a.Score ?? 0));
                w.WriteStartArray("result");
                foreach (var annotation in annotations)
                {
                    WriteRegions(w, annotation, image, names[annotation.CategoryId], options.Polygons);
                }

                w.WriteEndArray();
                w.WriteEndObject();
                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        var config = new StringBuilder();
        var tag = options.Polygons ? "PolygonLabels" : "BrushLabels";
        config.Append("<View>\n  <Image name=\"image\" value=\"$image\" zoom=\"true\"/>\n");
        config.Append(CultureInfo.InvariantCulture, $"  <{tag} name=\"label\" toName=\"image\">\n");
        foreach (var category in dataset.Categories)
        {
            config.Append(CultureInfo.InvariantCulture, $"    <Label value=\"{SecurityElement.Escape(category.Name)}\"/>\n");
        }

        config.Append(CultureInfo.InvariantCulture, $"  </{tag}>\n</View>\n");
        File.WriteAllText(Path.Combine(folder, ConfigFile), config.ToString());
    }

    private static void WriteRegions(Utf8JsonWriter w, CocoAnnotation annotation, CocoImage image, string name, bool polygons)
    {
        if (!polygons)
        {
            Region(w, $"a{annotation.Id}", "brushlabels", annotation, image, value =>
            {
                value.WriteString("format", "rle");
                value.WriteStartArray("rle");
                foreach (var b in LabelStudioBrush.Encode(ExportMasks.Mask(annotation, image)))
                {
                    value.WriteNumberValue(b);
                }

                value.WriteEndArray();
                value.WriteStartArray("brushlabels");
                value.WriteStringValue(name);
                value.WriteEndArray();
            });
            return;
        }

        var parts = ExportMasks.Polygons(annotation, image);
        for (int k = 0; k < parts.Count; k++)
        {
            var polygon = parts[k];
            Region(w, parts.Count == 1 ? $"a{annotation.Id}" : $"a{annotation.Id}p{k}", "polygonlabels", annotation, image, value =>
            {
                value.WriteStartArray("points");
                for (int i = 0; i + 1 < polygon.Length; i += 2)
                {
                    value.WriteStartArray();
                    value.WriteNumberValue(100.0 * polygon[i] / image.Width);
                    value.WriteNumberValue(100.0 * polygon[i + 1] / image.Height);
                    value.WriteEndArray();
                }

                value.WriteEndArray();
                value.WriteBoolean("closed", true);
                value.WriteStartArray("polygonlabels");
                value.WriteStringValue(name);
                value.WriteEndArray();
            });
        }
    }

    private static void Region(Utf8JsonWriter w, string id, string type, CocoAnnotation annotation, CocoImage image, Action<Utf8JsonWriter> value)
    {
        w.WriteStartObject();
        w.WriteString("id", id);
        w.WriteString("type", type);
        w.WriteString("from_name", "label");
        w.WriteString("to_name", "image");
        w.WriteNumber("original_width", image.Width);
        w.WriteNumber("original_height", image.Height);
        w.WriteNumber("image_rotation", 0);
        w.WriteNumber("score", annotation.Score ?? 0);
        w.WriteStartObject("value");
        value(w);
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
