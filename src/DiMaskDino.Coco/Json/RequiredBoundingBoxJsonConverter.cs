using System.Text.Json;
using System.Text.Json.Serialization;

namespace DiMaskDino.Coco.Json;

/// <summary>A box that must be there: the array <c>[x, y, w, h]</c> of <see cref="BoundingBoxJsonConverter"/>, never null or empty.</summary>
public sealed class RequiredBoundingBoxJsonConverter : JsonConverter<BoundingBox>
{
    private static readonly BoundingBoxJsonConverter Box = new();

    public override BoundingBox Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Box.Read(ref reader, typeof(BoundingBox?), options) ?? throw new JsonException("a box [x, y, width, height] is required here");

    public override void Write(Utf8JsonWriter writer, BoundingBox value, JsonSerializerOptions options) => Box.Write(writer, value, options);
}
