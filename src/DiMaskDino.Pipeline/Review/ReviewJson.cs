using System.Text.Json;
using System.Text.Json.Serialization;

namespace DiMaskDino.Pipeline.Review;

/// <summary>review.json: indented, snake_case, nulls left out; numbers as System.Text.Json writes them (shortest round trip).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ReviewDocument))]
public sealed partial class ReviewJson : JsonSerializerContext
{
    public const string FileName = "review.json";

    public static async Task WriteAsync(ReviewDocument document, Stream stream, CancellationToken cancellationToken = default)
    {
        await JsonSerializer.SerializeAsync(stream, document, Default.ReviewDocument, cancellationToken);
        await stream.WriteAsync("\n"u8.ToArray(), cancellationToken);
    }

    /// <summary>Reads a review.json; <paramref name="source"/> names it in the error.</summary>
    /// <exception cref="InvalidDataException">Not a review document.</exception>
    public static async Task<ReviewDocument> ReadAsync(Stream stream, string source, CancellationToken cancellationToken = default)
    {
        try
        {
            return await JsonSerializer.DeserializeAsync(stream, Default.ReviewDocument, cancellationToken)
                ?? throw new InvalidDataException($"{source}: null instead of a review document");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: not a review document ({e.Message})", e);
        }
    }
}
