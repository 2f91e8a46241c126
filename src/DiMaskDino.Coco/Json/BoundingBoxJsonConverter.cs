using System.Text.Json;
using System.Text.Json.Serialization;

namespace DiMaskDino.Coco.Json;

/// <summary>
/// Reads and writes a box as the COCO array <c>[x, y, w, h]</c>. An empty array reads as
/// "no box", as pycocotools' loadRes treats <c>"bbox": []</c>.
/// </summary>
public sealed class BoundingBoxJsonConverter : JsonConverter<BoundingBox?>
{
    public override bool HandleNull => true;

    public override BoundingBox? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("a box must be an array [x, y, width, height]");
        }

        Span<double> values = stackalloc double[4];
        var count = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number)
            {
                throw new JsonException("a box must contain only numbers");
            }

            if (count == 4)
            {
                throw new JsonException("a box must have exactly 4 numbers, found more");
            }

            // Utf8JsonReader reads 1e400 as infinity; a box must be a real size.
            var value = reader.GetDouble();
            if (!double.IsFinite(value))
            {
                throw new JsonException($"a box must contain finite numbers, found {System.Text.Encoding.UTF8.GetString(reader.ValueSpan)}");
            }

            values[count++] = value;
        }

        return count switch
        {
            0 => null,
            4 => new BoundingBox(values[0], values[1], values[2], values[3]),
            _ => throw new JsonException($"a box must have exactly 4 numbers, found {count}"),
        };
    }

    public override void Write(Utf8JsonWriter writer, BoundingBox? value, JsonSerializerOptions options)
    {
        if (value is not { } box)
        {
            writer.WriteNullValue();
            return;
        }

        writer.WriteStartArray();
        writer.WriteNumberValue(box.X);
        writer.WriteNumberValue(box.Y);
        writer.WriteNumberValue(box.Width);
        writer.WriteNumberValue(box.Height);
        writer.WriteEndArray();
    }
}
