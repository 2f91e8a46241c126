using System.Text.Json.Serialization;
using DiMaskDino.Coco.Evaluation;
using DiMaskDino.Coco.Json;
using DiMaskDino.Coco.Masks;

namespace DiMaskDino.Coco;

/// <summary>
/// One labeled instance of one image, the single shape every output is written from: <c>label</c>'s and
/// <c>predict</c>'s annotations.json (through <see cref="CocoDatasetWriter"/>), the shard results and the evaluation's
/// detections (<see cref="ToDetection"/>). Property names are those of our shard results files (snake_case).
/// </summary>
/// <param name="CategoryId">COCO category id (not the model's contiguous class index).</param>
/// <param name="Bbox">COCO <c>[x, y, w, h]</c> in image pixels.</param>
/// <param name="Area">The mask's area in pixels.</param>
/// <param name="Segmentation">The mask: compressed RLE, or polygons (<c>predict --polygons</c>).</param>
public sealed record CocoInstance(
    int CategoryId,
    [property: JsonConverter(typeof(RequiredBoundingBoxJsonConverter))] BoundingBox Bbox,
    double Area,
    double Score,
    Segmentation Segmentation)
{
    /// <summary>Labels mode: the model's box clipped to the image.</summary>
    [JsonConverter(typeof(BoundingBoxJsonConverter))]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public BoundingBox? ModelBbox { get; init; }

    /// <summary>Labels mode: IoU of the model's box and the mask's tight box.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? BoxMaskIou { get; init; }

    /// <summary>How sure the model is of the class (for the review queue); null for single-class models and in results
    /// written before it existed. Not part of annotations.json.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ClassMargin? ClassMargin { get; init; }

    /// <summary>The mask decoded; polygons are rasterized at the image size <paramref name="imageHeight"/>×<paramref name="imageWidth"/>.</summary>
    /// <exception cref="InvalidDataException">the segmentation cannot be decoded</exception>
    public RleMask ToMask(int imageHeight, int imageWidth) =>
        MaskSource.ToRle(Segmentation, imageHeight, imageWidth, $"an instance of category {CategoryId}");

    /// <summary>This instance as an entry of a COCO results file for image <paramref name="imageId"/>.</summary>
    public CocoDetection ToDetection(long imageId) =>
        new() { ImageId = imageId, CategoryId = CategoryId, Bbox = Bbox, Segmentation = Segmentation, Score = Score };
}

/// <summary>
/// The class score of an instance (σ of its query's logit for <see cref="CocoInstance.CategoryId"/>) and the best
/// other class of the same query; the margin is <c>ClassScore − RunnerUpScore</c>, negative when the query prefers
/// the runner-up (the instance was kept as its second class).
/// </summary>
public sealed record ClassMargin(double ClassScore, int RunnerUpCategoryId, double RunnerUpScore)
{
    [JsonIgnore]
    public double Margin => ClassScore - RunnerUpScore;
}
