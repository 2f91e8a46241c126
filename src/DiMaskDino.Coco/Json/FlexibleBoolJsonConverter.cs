using System.Text.Json;
using System.Text.Json.Serialization;

namespace DiMaskDino.Coco.Json;

/// <summary>COCO flags such as <c>iscrowd</c> appear as 0/1 or true/false; written as 0/1.</summary>
public sealed class FlexibleBoolJsonConverter : JsonConverter<bool>
{
    public override bool Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType switch
        {
            JsonTokenType.True => true,
            JsonTokenType.False => false,
            JsonTokenType.Number when reader.TryGetInt64(out var n) && (n == 0 || n == 1) => n == 1,
            _ => throw new JsonException("expected 0, 1, true or false"),
        };

    public override void Write(Utf8JsonWriter writer, bool value, JsonSerializerOptions options) =>
        writer.WriteNumberValue(value ? 1 : 0);
}
