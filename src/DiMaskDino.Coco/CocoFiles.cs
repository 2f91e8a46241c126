using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using DiMaskDino.Coco.Json;

namespace DiMaskDino.Coco;

/// <summary>
/// Reads COCO datasets and results files, tolerant of the usual variations (polygons,
/// compressed or uncompressed RLE, 0/1 or boolean flags, missing <c>area</c>) and strict about
/// errors: every problem names the file, the JSON path and what is wrong.
/// </summary>
public static class CocoFiles
{
    public static CocoDataset ReadDataset(string path)
    {
        var dataset = Deserialize(path, CocoJsonContext.Default.CocoDataset)
            ?? throw new CocoFormatException(path, "$", "expected a COCO dataset object, found null");
        CocoDatasetValidator.Validate(dataset, path);
        return dataset;
    }

    /// <summary>A dataset from bytes already read; <paramref name="name"/> is what errors call the file.</summary>
    public static CocoDataset ParseDataset(byte[] json, string name)
    {
        var dataset = Parse(json, name, CocoJsonContext.Default.CocoDataset)
            ?? throw new CocoFormatException(name, "$", "expected a COCO dataset object, found null");
        CocoDatasetValidator.Validate(dataset, name);
        return dataset;
    }

    public static IReadOnlyList<CocoDetection> ReadDetections(string path)
    {
        var detections = Deserialize(path, CocoJsonContext.Default.ListCocoDetection)
            ?? throw new CocoFormatException(path, "$", "expected a JSON array of detections, found null");
        CocoDatasetValidator.ValidateDetections(detections, path);
        return detections;
    }

    /// <summary>Reads detections and checks that each refers to an image of <paramref name="groundTruth"/>.</summary>
    public static IReadOnlyList<CocoDetection> ReadDetections(string path, CocoDataset groundTruth)
    {
        var detections = ReadDetections(path);
        CocoDatasetValidator.ValidateDetectionImages(detections, groundTruth, path);
        return detections;
    }

    public static void WriteDataset(CocoDataset dataset, Stream destination) =>
        JsonSerializer.Serialize(destination, dataset, CocoJsonContext.Default.CocoDataset);

    public static void WriteDetections(IReadOnlyList<CocoDetection> detections, Stream destination) =>
        JsonSerializer.Serialize(destination, detections as List<CocoDetection> ?? [.. detections], CocoJsonContext.Default.ListCocoDetection);

    private static T? Deserialize<T>(string path, JsonTypeInfo<T> typeInfo)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CocoFormatException(path, "$", $"cannot read the file: {e.Message}", e);
        }

        return Parse(bytes, path, typeInfo);
    }

    private static T? Parse<T>(byte[] bytes, string path, JsonTypeInfo<T> typeInfo)
    {
        try
        {
            return JsonSerializer.Deserialize(bytes, typeInfo);
        }
        catch (JsonPropertyException e)
        {
            throw new CocoFormatException(path, $"{e.Path ?? "$"}.{e.Property}", Describe(e), e);
        }
        catch (JsonException e)
        {
            throw new CocoFormatException(path, e.Path ?? "$", Describe(e), e);
        }
    }

    private static string Describe(JsonException e)
    {
        var message = e.Message;
        var cut = message.IndexOf(" Path: ", StringComparison.Ordinal);
        if (cut >= 0)
        {
            message = message[..cut];
        }

        var where = e.LineNumber is { } line ? $" (line {line + 1}, byte {e.BytePositionInLine + 1})" : "";
        return message.TrimEnd('.') + where;
    }
}
