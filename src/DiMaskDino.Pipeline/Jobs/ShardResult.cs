using System.Text.Json.Serialization;

namespace DiMaskDino.Pipeline.Jobs;

/// <summary>
/// <c>jobs/{jobId}/results/{n}.json</c>: one entry per manifest image, in manifest order, each either labeled
/// (<see cref="ImageResult.Failure"/> null; possibly no instances) or failed with a reason. Written once
/// (first writer wins). <see cref="Categories"/> are the model's classes (null when no model ran, e.g. a poisoned shard).
/// </summary>
public sealed record ShardResult(string JobId, int Shard, IReadOnlyList<ImageResult> Images)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<LabelCategory>? Categories { get; init; }
}

/// <summary>A COCO category the model predicts.</summary>
public sealed record LabelCategory(int Id, string Name);

/// <summary>
/// The outcome for one image; Width/Height are the displayed size (after EXIF orientation), 0 when failed.
/// <see cref="Instances"/> are what annotations.json gets (the job's post-processing mode); <see cref="Evaluation"/>,
/// only for a job with ground truth, the official instances with no score threshold, which the report evaluates.
/// </summary>
public sealed record ImageResult(long Id, string Name, string ETag, int Width, int Height, IReadOnlyList<LabeledInstance> Instances)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ImageFailure? Failure { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<LabeledInstance>? Evaluation { get; init; }
}

/// <summary>Why an image has no labels.</summary>
/// <param name="Kind"><see cref="FailureKind.Image"/>: the image itself is unusable (kept on re-runs until it changes);
/// <see cref="FailureKind.Shard"/>: its shard could not be processed (retried by the next incremental job).</param>
public sealed record ImageFailure(
    [property: JsonConverter(typeof(JsonStringEnumConverter<FailureKind>))] FailureKind Kind,
    string Reason);

public enum FailureKind
{
    [JsonStringEnumMemberName("image")]
    Image,

    [JsonStringEnumMemberName("shard")]
    Shard,
}

/// <summary>One instance: COCO category id, <c>[x, y, w, h]</c> box in pixels, mask area, score and the mask as compressed RLE.</summary>
public sealed record LabeledInstance(int CategoryId, double[] Bbox, double Area, double Score, RleCounts Segmentation)
{
    /// <summary>Labels mode: the model's box clipped to the image, <c>[x, y, w, h]</c>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double[]? ModelBbox { get; init; }

    /// <summary>Labels mode: IoU of the model's box and the mask's tight box.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? BoxMaskIou { get; init; }

    /// <summary>How sure the model is of the class (for the review queue); null in results written before it existed
    /// and for single-class models.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ClassMargin? ClassMargin { get; init; }
}

/// <summary>
/// The class score of an instance (σ of its query's logit for <see cref="LabeledInstance.CategoryId"/>) and the best
/// other class of the same query; the margin is <c>ClassScore − RunnerUpScore</c>, negative when the query prefers
/// the runner-up (the instance was kept as its second class).
/// </summary>
public sealed record ClassMargin(double ClassScore, int RunnerUpCategoryId, double RunnerUpScore)
{
    [JsonIgnore]
    public double Margin => ClassScore - RunnerUpScore;
}

/// <summary>A compressed COCO RLE: <c>{"size": [height, width], "counts": "..."}</c>.</summary>
public sealed record RleCounts(int[] Size, string Counts);
