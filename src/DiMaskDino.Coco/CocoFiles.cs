using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using DiMaskDino.Coco.Json;

namespace DiMaskDino.Coco;

/// <summary>
/// Reads COCO datasets and results files, tolerant of the usual variations (polygons,
/// compressed or uncompressed RLE, 0/1 or boolean flags, missing <c>area</c>) and strict about
/// errors: every problem names the file, the JSON path and what is wrong. Files are parsed as streams, so memory
/// follows what the file holds, not its size (whitespace costs nothing, and files over 2 GiB are read like any other).
/// </summary>
public static class CocoFiles
{
    public static CocoDataset ReadDataset(string path) => FromFile(path, stream => ReadDataset(stream, path));

    /// <param name="name">what errors call the stream (a file name)</param>
    public static CocoDataset ReadDataset(Stream stream, string name)
    {
        var dataset = Deserialize(stream, name, CocoJsonContext.Default.CocoDataset)
            ?? throw new CocoFormatException(name, "$", "expected a COCO dataset object, found null");
        CocoDatasetValidator.Validate(dataset, name);
        return dataset;
    }

    public static IReadOnlyList<CocoDetection> ReadDetections(string path) => FromFile(path, stream => ReadDetections(stream, path));

    /// <param name="name">what errors call the stream (a file name)</param>
    public static IReadOnlyList<CocoDetection> ReadDetections(Stream stream, string name)
    {
        var detections = Deserialize(stream, name, CocoJsonContext.Default.ListCocoDetection)
            ?? throw new CocoFormatException(name, "$", "expected a JSON array of detections, found null");
        CocoDatasetValidator.ValidateDetections(detections, name);
        return detections;
    }

    /// <summary>Reads detections and checks that each refers to an image of <paramref name="groundTruth"/>.</summary>
    public static IReadOnlyList<CocoDetection> ReadDetections(string path, CocoDataset groundTruth) =>
        FromFile(path, stream => ReadDetections(stream, path, groundTruth));

    /// <summary>Reads detections and checks that each refers to an image of <paramref name="groundTruth"/>.</summary>
    /// <param name="name">what errors call the stream (a file name)</param>
    public static IReadOnlyList<CocoDetection> ReadDetections(Stream stream, string name, CocoDataset groundTruth)
    {
        var detections = ReadDetections(stream, name);
        CocoDatasetValidator.ValidateDetectionImages(detections, groundTruth, name);
        return detections;
    }

    public static void WriteDataset(CocoDataset dataset, Stream destination) =>
        JsonSerializer.Serialize(destination, dataset, CocoJsonContext.Default.CocoDataset);

    public static void WriteDetections(IReadOnlyList<CocoDetection> detections, Stream destination) =>
        JsonSerializer.Serialize(destination, detections as List<CocoDetection> ?? [.. detections], CocoJsonContext.Default.ListCocoDetection);

    private static T FromFile<T>(string path, Func<Stream, T> read)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CocoFormatException(path, "$", $"cannot read the file: {e.Message}", e);
        }

        using (stream)
        {
            return read(stream);
        }
    }

    private static T? Deserialize<T>(Stream stream, string path, JsonTypeInfo<T> typeInfo)
    {
        using var limited = new JsonWhitespaceLimiter(stream);
        try
        {
            return JsonSerializer.Deserialize(limited, typeInfo);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CocoFormatException(path, "$", $"cannot read the file: {e.Message}", e);
        }
        catch (JsonPropertyException e)
        {
            throw new CocoFormatException(path, $"{e.Path ?? "$"}.{e.Property}", Describe(e, limited), e);
        }
        catch (JsonException e)
        {
            throw new CocoFormatException(path, e.Path ?? "$", Describe(e, limited), e);
        }
    }

    private static string Describe(JsonException e, JsonWhitespaceLimiter source)
    {
        var message = e.Message;
        var cut = message.IndexOf(" Path: ", StringComparison.Ordinal);
        if (cut >= 0)
        {
            message = message[..cut];
        }

        var where = e.LineNumber is { } line ? $" (line {source.OriginalLine(line) + 1}, byte {e.BytePositionInLine + 1})" : "";
        return message.TrimEnd('.') + where;
    }
}
