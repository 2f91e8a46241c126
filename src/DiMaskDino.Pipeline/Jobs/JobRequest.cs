using System.Text.Json.Serialization;
using DiMaskDino.Contracts.Labels;
using DiMaskDino.Pipeline.Exports;

namespace DiMaskDino.Pipeline.Jobs;

/// <summary>
/// What to label: every image blob under <see cref="ImagesPrefix"/> in the <c>images</c> container, with
/// <see cref="Model"/>, into <c>labels/{Dataset}/{jobId}/</c>. Serialized as the <c>request</c> of job.json.
/// </summary>
public sealed record JobRequest
{
    /// <summary>Name of the labeled dataset: the folder under <c>labels/</c> and the key of incremental re-labeling.</summary>
    public required string Dataset { get; init; }

    /// <summary>Blob-name prefix in the <c>images</c> container, e.g. <c>"shapes/"</c>; empty for the whole container.
    /// COCO <c>file_name</c>s are blob names relative to it.</summary>
    public required string ImagesPrefix { get; init; }

    public required ModelReference Model { get; init; }

    /// <summary>Images per shard (one queue message, one results file). Hosts fill in their
    /// <see cref="PipelineOptions.ShardSize"/> when the user gives none.</summary>
    public int ShardSize { get; init; } = PipelineOptions.DefaultShardSize;

    public LabelingThresholds Thresholds { get; init; } = new();

    /// <summary>Blob name of a COCO ground truth in the <c>datasets</c> container (e.g. <c>"shapes-val/annotations.json"</c>);
    /// when set, finalizing also evaluates the labels and writes <c>reports/{jobId}/</c>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? GroundTruth { get; init; }

    /// <summary>
    /// Exports to write beside annotations.json, each to <c>labels/{Dataset}/{jobId}/exports/{format}/</c> (e.g.
    /// <c>["labelstudio", "yolo"]</c>; docs/labels.md). Null or empty: none.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ExportFormat>? Formats { get; init; }

    /// <summary>Explicit job id; when null the submitter derives a deterministic one (<see cref="JobIds"/>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? JobId { get; init; }

    /// <summary>Reuse the dataset's previous labels for unchanged images (same model, thresholds and prefix).</summary>
    public bool Incremental { get; init; } = true;

    /// <summary>
    /// Every rule of a request, each error keyed by its field (<see cref="JobRequestRules"/>): the one check the
    /// submitter, the command line and the HTTP API share. It does not look at storage (whether the model, images and
    /// ground truth exist is each host's own check).
    /// </summary>
    public JobRequestErrors Validate()
    {
        var errors = new JobRequestErrors();
        errors.AddIfAny(JobRequestField.Dataset, JobRequestRules.Dataset(Dataset));
        errors.AddIfAny(JobRequestField.ImagesPrefix, JobRequestRules.ImagesPrefix(ImagesPrefix));
        errors.AddIfAny(JobRequestField.Model, JobRequestRules.Model(Model));
        errors.AddIfAny(JobRequestField.GroundTruth, JobRequestRules.GroundTruth(GroundTruth));
        errors.AddIfAny(JobRequestField.ShardSize, JobRequestRules.ShardSize(ShardSize));
        errors.AddIfAny(JobRequestField.ScoreThreshold, JobRequestRules.ScoreThreshold(Thresholds.ScoreThreshold));
        errors.AddIfAny(JobRequestField.DetectionsPerImage, JobRequestRules.DetectionsPerImage(Thresholds.DetectionsPerImage));
        errors.AddIfAny(JobRequestField.MaskLogitThreshold, JobRequestRules.MaskLogitThreshold(Thresholds.MaskLogitThreshold));
        errors.AddIfAny(JobRequestField.DuplicateMaskIou, JobRequestRules.DuplicateMaskIou(Thresholds.DuplicateMaskIou));
        errors.AddIfAny(JobRequestField.MinSpeckArea, JobRequestRules.MinSpeckArea(Thresholds.MinSpeckArea));
        errors.AddIfAny(JobRequestField.JobId, JobRequestRules.JobId(JobId));
        return errors;
    }
}

/// <summary>Where the model lives.</summary>
public enum ModelLocation
{
    /// <summary><see cref="ModelReference.Name"/> is a blob name in the <c>models</c> container.</summary>
    [JsonStringEnumMemberName("blob")]
    Blob,

    /// <summary><see cref="ModelReference.Name"/> is a local file path (embedded CLI only).</summary>
    [JsonStringEnumMemberName("file")]
    File,
}

/// <summary>A model and the version it had when the job was submitted (blob ETag, or SHA-256 of a local file).</summary>
public sealed record ModelReference(
    [property: JsonConverter(typeof(JsonStringEnumConverter<ModelLocation>))] ModelLocation Location,
    string Name,
    string Version);

/// <summary>
/// Post-processing of the model's outputs: DiMaskDino.Inference's InstancePostProcessorOptions (the official
/// instances) and, in the labels mode, LabelPostProcessorOptions (docs/labels.md).
/// </summary>
public sealed record LabelingThresholds
{
    /// <summary>
    /// The score threshold of a request that gives none (the HTTP API, <c>_label.json</c>). The command line's
    /// <c>label</c> and <c>predict</c> default instead to the model's recommended threshold, else their own lower
    /// fallback (DiMaskDino.Cli's <c>ScoreThresholdOption.Default</c>).
    /// </summary>
    public const double DefaultScoreThreshold = 0.5;

    /// <summary>Instances scoring below this are not written (the evaluation of a job with ground truth ignores it).</summary>
    public double ScoreThreshold { get; init; } = DefaultScoreThreshold;

    /// <summary>What annotations.json holds: the official instances or labels made from them.</summary>
    [JsonPropertyName("postprocess")]
    public PostProcessMode PostProcess { get; init; } = PostProcessMode.Labels;

    /// <summary>Labels mode: masks overlapping at least this much (IoU) are one object.</summary>
    public double DuplicateMaskIou { get; init; } = LabelPostProcessorOptions.DefaultDuplicateMaskIou;

    /// <summary>Labels mode: mask parts smaller than this many pixels are removed (the largest part stays).</summary>
    public int MinSpeckArea { get; init; } = LabelPostProcessorOptions.DefaultMinSpeckArea;

    /// <summary>Labels mode: the box is the mask's tight box or the model's box clipped to the image.</summary>
    public BoxSource Box { get; init; } = BoxSource.Mask;

    /// <summary>At most this many instances per image.</summary>
    public int DetectionsPerImage { get; init; } = LabelingDefaults.DetectionsPerImage;

    /// <summary>A mask pixel is foreground when its logit is above this.</summary>
    public float MaskLogitThreshold { get; init; }

    /// <summary>The labels-mode settings.</summary>
    public LabelPostProcessorOptions LabelOptions() => new()
    {
        ScoreThreshold = ScoreThreshold,
        DuplicateMaskIou = DuplicateMaskIou,
        MinSpeckArea = MinSpeckArea,
        Box = Box,
    };
}
