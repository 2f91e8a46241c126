using System.Text.Json;

namespace DiMaskDino.Coco.Json;

/// <summary>Typed reads for hand-written converters, with errors that name the property.</summary>
internal static class JsonRead
{
    public static long Int64(ref Utf8JsonReader reader, string property) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value)
            ? value
            : throw new JsonPropertyException(property, $"expected an integer, found {Describe(ref reader)}");

    public static int Int32(ref Utf8JsonReader reader, string property) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var value)
            ? value
            : throw new JsonPropertyException(property, $"expected a 32-bit integer, found {Describe(ref reader)}");

    public static double Double(ref Utf8JsonReader reader, string property) =>
        reader.TokenType == JsonTokenType.Number
            ? reader.GetDouble()
            : throw new JsonPropertyException(property, $"expected a number, found {Describe(ref reader)}");

    /// <summary>Attributes a nested converter's failure to <paramref name="property"/>.</summary>
    public static JsonPropertyException Wrap(string property, JsonException inner) =>
        inner as JsonPropertyException is { } already
            ? new JsonPropertyException($"{property}.{already.Property}", already.Message)
            : new JsonPropertyException(property, inner.Message);

    public static string Describe(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => $"the string \"{Truncate(reader.GetString())}\"",
        JsonTokenType.Number => "a number out of range",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        _ => reader.TokenType.ToString(),
    };

    private static string Truncate(string? text) => text is null ? "" : text.Length <= 40 ? text : text[..40] + "…";
}
