using System.Text.Json.Serialization;
using DiMaskDino.Coco.Json;

namespace DiMaskDino.Coco;

/// <summary>
/// One entry of a COCO results file (a JSON array of these):
/// <c>{"image_id", "category_id", "bbox"?, "segmentation"?, "score"}</c>. Read and written by
/// <see cref="CocoDetectionJsonConverter"/>.
/// </summary>
[JsonConverter(typeof(CocoDetectionJsonConverter))]
public sealed record CocoDetection
{
    public required long ImageId { get; init; }

    public required int CategoryId { get; init; }

    /// <summary>[x, y, w, h] in pixels; null when the entry has only a mask.</summary>
    public BoundingBox? Bbox { get; init; }

    /// <summary>The mask; null when the entry has only a box.</summary>
    public Segmentation? Segmentation { get; init; }

    public required double Score { get; init; }
}
