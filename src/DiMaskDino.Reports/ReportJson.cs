using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace DiMaskDino.Reports;

/// <summary>
/// report.json: snake_case, indented with '\n' line ends, UTF-8 without BOM, properties in declaration order and lists
/// in report order, so the same report always gives the same bytes. Numbers are written shortest-round-trip.
/// </summary>
public static class ReportJson
{
    // The writer options, not the serializer's, decide the layout when we hand the serializer our own writer.
    // Relaxed escaping keeps category names and the '+' of time offsets readable; the file is never inlined in HTML.
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = true,
        NewLine = "\n",
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static void Write(EvaluationReport report, Stream destination)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(destination);
        using (var writer = new Utf8JsonWriter(destination, WriterOptions))
        {
            JsonSerializer.Serialize(writer, report, ReportJsonContext.Default.EvaluationReport);
        }

        destination.WriteByte((byte)'\n');
    }

    public static byte[] Serialize(EvaluationReport report)
    {
        using var buffer = new MemoryStream();
        Write(report, buffer);
        return buffer.ToArray();
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(EvaluationReport))]
internal sealed partial class ReportJsonContext : JsonSerializerContext;
