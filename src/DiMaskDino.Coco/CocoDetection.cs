using System.Text.Json.Serialization;

namespace DiMaskDino.Coco;

/// <summary>One entry of a COCO results file (a JSON array of these).</summary>
public sealed record CocoDetection
{
    [JsonPropertyName("image_id")]
    public required long ImageId { get; init; }

    [JsonPropertyName("category_id")]
    public required int CategoryId { get; init; }

    [JsonPropertyName("bbox")]
    [JsonConverter(typeof(Json.BoundingBoxJsonConverter))]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public BoundingBox? Bbox { get; init; }

    [JsonPropertyName("segmentation")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Segmentation? Segmentation { get; init; }

    [JsonPropertyName("score")]
    public required double Score { get; init; }
}
