using System.Text.Json.Serialization;
using DiMaskDino.Coco;

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
public sealed record ImageResult(long Id, string Name, string ETag, int Width, int Height, IReadOnlyList<CocoInstance> Instances)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ImageFailure? Failure { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<CocoInstance>? Evaluation { get; init; }
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
