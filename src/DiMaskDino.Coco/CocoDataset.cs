using System.Text.Json;
using System.Text.Json.Serialization;

namespace DiMaskDino.Coco;

/// <summary>A COCO "instances" dataset: images, categories and annotations.</summary>
public sealed record CocoDataset
{
    [JsonPropertyName("info")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonElement? Info { get; init; }

    [JsonPropertyName("licenses")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonElement? Licenses { get; init; }

    [JsonPropertyName("images")]
    public required IReadOnlyList<CocoImage> Images { get; init; }

    /// <summary>The annotations; a file without the key, or with <c>null</c>, has none (as pycocotools reads it).</summary>
    [JsonPropertyName("annotations")]
    public IReadOnlyList<CocoAnnotation> Annotations { get => field ?? []; init; } = [];

    [JsonPropertyName("categories")]
    public required IReadOnlyList<CocoCategory> Categories { get; init; }
}

public sealed record CocoImage
{
    [JsonPropertyName("id")]
    public required long Id { get; init; }

    [JsonPropertyName("width")]
    public required int Width { get; init; }

    [JsonPropertyName("height")]
    public required int Height { get; init; }

    [JsonPropertyName("file_name")]
    public string FileName { get; init; } = "";
}

public sealed record CocoCategory
{
    [JsonPropertyName("id")]
    public required int Id { get; init; }

    [JsonPropertyName("name")]
    public string Name { get; init; } = "";

    [JsonPropertyName("supercategory")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Supercategory { get; init; }
}

/// <summary>
/// A ground-truth annotation, or a labeled instance when <see cref="Score"/> is set.
/// <see cref="Area"/> and <see cref="Bbox"/> may be missing in files; readers fill them from the mask.
/// </summary>
public sealed record CocoAnnotation
{
    [JsonPropertyName("id")]
    public required long Id { get; init; }

    [JsonPropertyName("image_id")]
    public required long ImageId { get; init; }

    [JsonPropertyName("category_id")]
    public required int CategoryId { get; init; }

    [JsonPropertyName("segmentation")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Segmentation? Segmentation { get; init; }

    [JsonPropertyName("area")]
    public double? Area { get; init; }

    [JsonPropertyName("bbox")]
    [JsonConverter(typeof(Json.BoundingBoxJsonConverter))]
    public BoundingBox? Bbox { get; init; }

    [JsonPropertyName("iscrowd")]
    [JsonConverter(typeof(Json.FlexibleBoolJsonConverter))]
    public bool IsCrowd { get; init; }

    [JsonPropertyName("score")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Score { get; init; }
}
