using DiMaskDino.Pipeline.Jobs;

namespace DiMaskDino.Pipeline.Tests.Jobs;

/// <summary><see cref="JobRequest.Validate"/>: every rule of a request, each error under its field.</summary>
public sealed class JobRequestValidateTests
{
    private static readonly JobRequest Valid = new()
    {
        Dataset = "shapes",
        ImagesPrefix = "shapes/",
        Model = new ModelReference(ModelLocation.Blob, "tiny.onnx", "\"etag\""),
        GroundTruth = "shapes/annotations.json",
        JobId = "job-1",
    };

    [Fact]
    public void A_valid_request_and_the_defaults_have_no_error()
    {
        Assert.True(Valid.Validate().IsValid);
        var defaults = new JobRequest { Dataset = "d", ImagesPrefix = "", Model = new ModelReference(ModelLocation.File, "/m/tiny.onnx", "") };
        Assert.True(defaults.Validate().IsValid);
        Assert.Equal(PipelineOptions.DefaultShardSize, defaults.ShardSize);
        Assert.Equal(new PipelineOptions().ShardSize, defaults.ShardSize);
        Assert.Equal(LabelingThresholds.DefaultScoreThreshold, defaults.Thresholds.ScoreThreshold);
    }

    public static TheoryData<string, JobRequestField, string> Broken => new()
    {
        { "empty dataset", JobRequestField.Dataset, "is required" },
        { "dataset with a slash", JobRequestField.Dataset, "dataset name \"a/b\" must be 1-128 characters" },
        { "prefix without slash", JobRequestField.ImagesPrefix, "\"shapes\" must be empty or end with '/'" },
        { "escaping prefix", JobRequestField.ImagesPrefix, "\"..\"" },
        { "empty model", JobRequestField.Model, "is required" },
        { "escaping model", JobRequestField.Model, "\"..\"" },
        { "escaping ground truth", JobRequestField.GroundTruth, "\"..\"" },
        { "empty ground truth", JobRequestField.GroundTruth, "is required" },
        { "upper-case job id", JobRequestField.JobId, "job id \"UPPER\" must be 1-64 characters" },
        { "reserved job id", JobRequestField.JobId, "\"checkpoints\" is reserved" },
        { "shard size 0", JobRequestField.ShardSize, "must be 1-100000, got 0" },
        { "shard size too large", JobRequestField.ShardSize, "must be 1-100000, got 100001" },
        { "negative score threshold", JobRequestField.ScoreThreshold, "must be within 0..1, got -0.1" },
        { "NaN score threshold", JobRequestField.ScoreThreshold, "must be within 0..1, got NaN" },
        { "no detections", JobRequestField.DetectionsPerImage, "must be 1-10000, got 0" },
        { "too many detections", JobRequestField.DetectionsPerImage, "must be 1-10000, got 10001" },
        { "infinite mask threshold", JobRequestField.MaskLogitThreshold, "must be a finite number" },
        { "duplicate IoU 0", JobRequestField.DuplicateMaskIou, "must be above 0 and at most 1, got 0" },
        { "duplicate IoU above 1", JobRequestField.DuplicateMaskIou, "must be above 0 and at most 1, got 1.5" },
        { "negative speck area", JobRequestField.MinSpeckArea, "must be 0 or more pixels, got -1" },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void Each_rule_reports_its_field_alone(string @case, JobRequestField field, string message)
    {
        var errors = Break(@case).Validate();

        Assert.False(errors.IsValid);
        var (key, messages) = Assert.Single(errors);
        Assert.Equal(field, key);
        Assert.Contains(message, Assert.Single(messages), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_broken_field_is_reported_at_once_named_as_in_job_json()
    {
        var request = Valid with
        {
            ShardSize = 0,
            Thresholds = new LabelingThresholds { ScoreThreshold = 2, MinSpeckArea = -1 },
            JobId = "checkpoints",
        };

        var errors = request.Validate();

        Assert.Equal([JobRequestField.ShardSize, JobRequestField.ScoreThreshold, JobRequestField.MinSpeckArea, JobRequestField.JobId], errors.Select(e => e.Key));
        Assert.Equal(
            "shard_size must be 1-100000, got 0; thresholds.score_threshold must be within 0..1, got 2; "
            + "thresholds.min_speck_area must be 0 or more pixels, got -1; job_id: \"checkpoints\" is reserved (reports/checkpoints/ holds the checkpoint evaluations)",
            errors.ToString());
        var thrown = Assert.Throws<JobRequestException>(errors.ThrowIfInvalid);
        Assert.Same(errors, thrown.Errors);
        Assert.Equal($"invalid job request: {errors}", thrown.Message);
    }

    [Fact]
    public void A_local_models_name_is_a_path_and_only_blob_names_are_checked_as_blob_names()
    {
        var local = Valid with { Model = new ModelReference(ModelLocation.File, "/models/../tiny.onnx", "sha256:0") };

        Assert.True(local.Validate().IsValid);
    }

    [Fact]
    public void Errors_are_formatted_with_a_hosts_names()
    {
        var errors = (Valid with { ShardSize = 0, ImagesPrefix = "x" }).Validate();

        Assert.Equal("INPUT: \"x\" must be empty or end with '/'; --shard-size must be 1-100000, got 0",
            errors.Format(f => f == JobRequestField.ShardSize ? "--shard-size" : "INPUT"));
    }

    private static JobRequest Break(string @case) => @case switch
    {
        "empty dataset" => Valid with { Dataset = "" },
        "dataset with a slash" => Valid with { Dataset = "a/b" },
        "prefix without slash" => Valid with { ImagesPrefix = "shapes" },
        "escaping prefix" => Valid with { ImagesPrefix = "../" },
        "empty model" => Valid with { Model = Valid.Model with { Name = "" } },
        "escaping model" => Valid with { Model = Valid.Model with { Name = "../x.onnx" } },
        "escaping ground truth" => Valid with { GroundTruth = "../../etc/passwd" },
        "empty ground truth" => Valid with { GroundTruth = "" },
        "upper-case job id" => Valid with { JobId = "UPPER" },
        "reserved job id" => Valid with { JobId = "checkpoints" },
        "shard size 0" => Valid with { ShardSize = 0 },
        "shard size too large" => Valid with { ShardSize = 100_001 },
        "negative score threshold" => Valid with { Thresholds = new LabelingThresholds { ScoreThreshold = -0.1 } },
        "NaN score threshold" => Valid with { Thresholds = new LabelingThresholds { ScoreThreshold = double.NaN } },
        "no detections" => Valid with { Thresholds = new LabelingThresholds { DetectionsPerImage = 0 } },
        "too many detections" => Valid with { Thresholds = new LabelingThresholds { DetectionsPerImage = 10_001 } },
        "infinite mask threshold" => Valid with { Thresholds = new LabelingThresholds { MaskLogitThreshold = float.PositiveInfinity } },
        "duplicate IoU 0" => Valid with { Thresholds = new LabelingThresholds { DuplicateMaskIou = 0 } },
        "duplicate IoU above 1" => Valid with { Thresholds = new LabelingThresholds { DuplicateMaskIou = 1.5 } },
        "negative speck area" => Valid with { Thresholds = new LabelingThresholds { MinSpeckArea = -1 } },
        _ => throw new ArgumentOutOfRangeException(nameof(@case), @case, null),
    };
}
