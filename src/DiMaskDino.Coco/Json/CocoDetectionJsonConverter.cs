using System.Text.Json;
using System.Text.Json.Serialization;

namespace DiMaskDino.Coco.Json;

/// <summary>
/// Hand-written reader/writer for results entries: files hold 10⁵–10⁷ of them, and the generic object converter
/// spends most of its time on bookkeeping per object. Unknown properties are skipped.
/// </summary>
public sealed class CocoDetectionJsonConverter : JsonConverter<CocoDetection>
{
    private static readonly BoundingBoxJsonConverter Boxes = new();
    private static readonly SegmentationJsonConverter Segmentations = new();

    public override CocoDetection? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException($"a detection must be an object, found {JsonRead.Describe(ref reader)}");
        }

        long? imageId = null;
        int? categoryId = null;
        double? score = null;
        BoundingBox? box = null;
        Segmentation? segmentation = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("image_id"u8))
            {
                reader.Read();
                imageId = JsonRead.Int64(ref reader, "image_id");
            }
            else if (reader.ValueTextEquals("category_id"u8))
            {
                reader.Read();
                categoryId = JsonRead.Int32(ref reader, "category_id");
            }
            else if (reader.ValueTextEquals("score"u8))
            {
                reader.Read();
                score = JsonRead.Double(ref reader, "score");
            }
            else if (reader.ValueTextEquals("bbox"u8))
            {
                reader.Read();
                box = ReadNested(ref reader, "bbox", options, static (ref r, o) => Boxes.Read(ref r, typeof(BoundingBox?), o));
            }
            else if (reader.ValueTextEquals("segmentation"u8))
            {
                reader.Read();
                segmentation = ReadNested(ref reader, "segmentation", options, static (ref r, o) => Segmentations.Read(ref r, typeof(Segmentation), o));
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return new CocoDetection
        {
            ImageId = imageId ?? throw Missing("image_id"),
            CategoryId = categoryId ?? throw Missing("category_id"),
            Score = score ?? throw Missing("score"),
            Bbox = box,
            Segmentation = segmentation,
        };
    }

    public override void Write(Utf8JsonWriter writer, CocoDetection value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteNumber("image_id"u8, value.ImageId);
        writer.WriteNumber("category_id"u8, value.CategoryId);
        if (value.Bbox is not null)
        {
            writer.WritePropertyName("bbox"u8);
            Boxes.Write(writer, value.Bbox, options);
        }

        if (value.Segmentation is not null)
        {
            writer.WritePropertyName("segmentation"u8);
            Segmentations.Write(writer, value.Segmentation, options);
        }

        writer.WriteNumber("score"u8, value.Score);
        writer.WriteEndObject();
    }

    internal delegate T NestedReader<out T>(ref Utf8JsonReader reader, JsonSerializerOptions options);

    internal static T ReadNested<T>(ref Utf8JsonReader reader, string property, JsonSerializerOptions options, NestedReader<T> read)
    {
        try
        {
            return read(ref reader, options);
        }
        catch (JsonException e)
        {
            throw JsonRead.Wrap(property, e);
        }
    }

    private static JsonPropertyException Missing(string property) => new(property, $"the required property \"{property}\" is missing");
}
