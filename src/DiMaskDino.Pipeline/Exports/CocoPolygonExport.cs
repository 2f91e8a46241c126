using System.Text.Json;
using System.Text.Json.Nodes;
using DiMaskDino.Coco;
using DiMaskDino.Coco.Masks;

namespace DiMaskDino.Pipeline.Exports;

/// <summary>
/// A COCO dataset file with every RLE mask replaced by its polygons (<see cref="MaskPolygons"/>: one per 4-connected
/// part, holes filled); every other field (score, model_bbox, box_mask_iou, info, …) is kept as it is. An annotation
/// whose mask is empty has no polygon and is left out.
/// </summary>
internal static class CocoPolygonExport
{
    public static void Write(string annotationsFile, Stream destination)
    {
        var root = JsonNode.Parse(File.ReadAllBytes(annotationsFile)) as JsonObject
            ?? throw new InvalidDataException($"{annotationsFile}: not a COCO dataset object");
        if (root["annotations"] is JsonArray annotations)
        {
            var kept = new JsonArray();
            foreach (var annotation in annotations.ToArray())
            {
                annotations.Remove(annotation);
                if (annotation is JsonObject a && a["segmentation"] is JsonObject rle)
                {
                    var polygons = MaskPolygons.FromMask(Mask(rle, annotationsFile));
                    if (polygons.Count == 0)
                    {
                        continue;
                    }

                    a["segmentation"] = new JsonArray([.. polygons.Select(p => (JsonNode)new JsonArray([.. p.Select(v => (JsonNode)JsonValue.Create(v))]))]);
                }

                kept.Add(annotation);
            }

            root["annotations"] = kept;
        }

        using var writer = new Utf8JsonWriter(destination);
        root.WriteTo(writer);
    }

    private static RleMask Mask(JsonObject rle, string file)
    {
        var size = rle["size"]?.AsArray() ?? throw new InvalidDataException($"{file}: an RLE segmentation without size");
        int height = size[0]!.GetValue<int>(), width = size[1]!.GetValue<int>();
        return rle["counts"] switch
        {
            JsonValue counts when counts.GetValueKind() == JsonValueKind.String => Rle.FromCompressedString(counts.GetValue<string>(), height, width),
            JsonArray counts => Rle.FromUncompressed([.. counts.Select(c => c!.GetValue<uint>())], height, width),
            _ => throw new InvalidDataException($"{file}: an RLE segmentation without counts"),
        };
    }
}
