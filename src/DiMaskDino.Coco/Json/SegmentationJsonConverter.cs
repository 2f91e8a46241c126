using System.Text.Json;
using System.Text.Json.Serialization;

namespace DiMaskDino.Coco.Json;

/// <summary>
/// Reads the three shapes COCO uses for <c>segmentation</c>: a list of polygons, an RLE object
/// with a list of counts (uncompressed) or with a counts string (compressed).
/// </summary>
public sealed class SegmentationJsonConverter : JsonConverter<Segmentation>
{
    public override Segmentation? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType switch
        {
            JsonTokenType.Null => null,
            JsonTokenType.StartArray => ReadPolygons(ref reader),
            JsonTokenType.StartObject => ReadRle(ref reader),
            _ => throw new JsonException("segmentation must be a list of polygons or an RLE object"),
        };

    private static PolygonSegmentation ReadPolygons(ref Utf8JsonReader reader)
    {
        var polygons = new List<double[]>();
        var coordinates = new List<double>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartArray)
            {
                throw new JsonException("a polygon segmentation must be a list of lists of numbers");
            }

            coordinates.Clear();
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType != JsonTokenType.Number)
                {
                    throw new JsonException("polygon coordinates must be numbers");
                }

                coordinates.Add(reader.GetDouble());
            }

            polygons.Add([.. coordinates]);
        }

        return new PolygonSegmentation(polygons);
    }

    private static RleSegmentation ReadRle(ref Utf8JsonReader reader)
    {
        int? height = null, width = null;
        string? compressed = null;
        uint[]? counts = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString();
            reader.Read();
            switch (name)
            {
                case "size":
                    (height, width) = ReadSize(ref reader);
                    break;
                case "counts" when reader.TokenType == JsonTokenType.String:
                    compressed = reader.GetString();
                    break;
                case "counts" when reader.TokenType == JsonTokenType.StartArray:
                    counts = ReadCounts(ref reader);
                    break;
                case "counts":
                    throw new JsonException("RLE counts must be a string or a list of run lengths");
                default:
                    reader.Skip();
                    break;
            }
        }

        if (height is null || width is null)
        {
            throw new JsonException("an RLE segmentation needs \"size\": [height, width]");
        }

        if (compressed is null && counts is null)
        {
            throw new JsonException("an RLE segmentation needs \"counts\"");
        }

        return new RleSegmentation(height.Value, width.Value, compressed, counts);
    }

    private static (int Height, int Width) ReadSize(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("RLE size must be [height, width]");
        }

        Span<int> size = stackalloc int[2];
        var n = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (n == 2 || reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out size[n]) || size[n] < 0)
            {
                throw new JsonException("RLE size must be [height, width] with two non-negative integers");
            }

            n++;
        }

        return n == 2 ? (size[0], size[1]) : throw new JsonException("RLE size must be [height, width]");
    }

    private static uint[] ReadCounts(ref Utf8JsonReader reader)
    {
        var counts = new List<uint>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetUInt32(out var run))
            {
                throw new JsonException("RLE counts must be non-negative integers");
            }

            counts.Add(run);
        }

        return [.. counts];
    }

    public override void Write(Utf8JsonWriter writer, Segmentation value, JsonSerializerOptions options)
    {
        switch (value)
        {
            case PolygonSegmentation polygons:
                writer.WriteStartArray();
                foreach (var polygon in polygons.Polygons)
                {
                    writer.WriteStartArray();
                    foreach (var c in polygon)
                    {
                        writer.WriteNumberValue(c);
                    }

                    writer.WriteEndArray();
                }

                writer.WriteEndArray();
                break;
            case RleSegmentation rle:
                writer.WriteStartObject();
                writer.WriteStartArray("size");
                writer.WriteNumberValue(rle.Height);
                writer.WriteNumberValue(rle.Width);
                writer.WriteEndArray();
                if (rle.CompressedCounts is { } text)
                {
                    writer.WriteString("counts", text);
                }
                else
                {
                    writer.WriteStartArray("counts");
                    foreach (var run in rle.Counts!)
                    {
                        writer.WriteNumberValue(run);
                    }

                    writer.WriteEndArray();
                }

                writer.WriteEndObject();
                break;
            default:
                throw new NotSupportedException($"unknown segmentation type {value.GetType().Name}");
        }
    }
}
