using System.Text.Json;
using DiMaskDino.Functions.Jobs;
using DiMaskDino.IntegrationTests.Azurite;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Storage;
using DiMaskDino.Pipeline.Tests.Fixtures;
using Microsoft.AspNetCore.Mvc;

namespace DiMaskDino.Functions.Tests.Azurite;

[Collection(FunctionsCollection.Name)]
[Trait("Category", "Integration")]
public sealed class JobsApiTests(AzuriteFixture azurite, TinyModel model)
{
    [Fact]
    public async Task Submit_with_invalid_fields_answers_400_naming_each_field()
    {
        await using var plane = await ControlPlane.StartAsync(azurite);
        var submit = plane.Create<SubmitJobFunction>();

        var result = await submit.RunAsync(
            ControlPlane.Request("""{"dataset":"bad name!","model":"missing-model.onnx","shard_size":0,"thresholds":{"score_threshold":2,"duplicate_mask_iou":0},"job_id":"UPPER"}"""),
            CancellationToken.None);

        var errors = Problem(result, 400);
        Assert.Equal(
            ["dataset", "job_id", "model", "shard_size", "thresholds.duplicate_mask_iou", "thresholds.score_threshold"], errors.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("models/missing-model.onnx does not exist", errors["model"][0], StringComparison.Ordinal);
        Assert.Contains("must be 1-100000, got 0", errors["shard_size"][0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"dataset":"d","modle":"m.onnx"}""", "modle")]
    [InlineData("""{"dataset":"d","model":"m.onnx","shard_size":"ten"}""", "shard_size")]
    [InlineData("""{"dataset":"d","model":"m.onnx","thresholds":{"score":1}}""", "thresholds.score")]
    [InlineData("""{"kind":"train","model":"m.onnx"}""", "kind")]
    [InlineData("""{"dataset":"d","model":"m.onnx","formats":["excel"]}""", "formats[0]")]
    [InlineData("""{"dataset":"d","model":"m.onnx","thresholds":{"postprocess":"raw"}}""", "thresholds.postprocess")]
    [InlineData("""not json""", "body")]
    public async Task Unreadable_body_names_the_offending_field(string body, string field)
    {
        await using var plane = await ControlPlane.StartAsync(azurite);

        var result = await plane.Create<SubmitJobFunction>().RunAsync(ControlPlane.Request(body), CancellationToken.None);

        Assert.Equal([field], Problem(result, 400).Keys);
    }

    [Fact]
    public async Task Submit_with_a_model_without_DiMaskDino_metadata_names_the_missing_key()
    {
        await using var plane = await ControlPlane.StartAsync(azurite);
        var dataset = $"meta-{Guid.NewGuid():N}"[..16];
        await plane.UploadImagesAsync($"{dataset}/", 1);
        // A real ONNX protobuf (ir_version and one metadata_props entry) without the dimaskdino.* keys.
        byte[] entry = [0x0A, 0x03, (byte)'k', (byte)'e', (byte)'y', 0x12, 0x01, (byte)'v'];
        await plane.Blobs.WriteAsync(JobPaths.Model("foreign.onnx"), BinaryData.FromBytes([0x08, 0x08, 0x72, (byte)entry.Length, .. entry]), WriteMode.Overwrite);

        var result = await plane.Create<SubmitJobFunction>().RunAsync(
            ControlPlane.Request($$"""{"dataset":"{{dataset}}","model":"foreign.onnx"}"""), CancellationToken.None);

        var error = Assert.Single(Problem(result, 400)["model"]);
        Assert.Contains("models/foreign.onnx", error, StringComparison.Ordinal);
        Assert.Contains("dimaskdino.graph", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_with_an_empty_source_says_there_is_nothing_to_label()
    {
        await using var plane = await ControlPlane.StartAsync(azurite);
        await plane.SharedModelAsync(model);

        var result = await plane.Create<SubmitJobFunction>().RunAsync(
            ControlPlane.Request("""{"dataset":"nothing-here","model":"tiny-shared.onnx"}"""), CancellationToken.None);

        Assert.Equal("no blobs under images/nothing-here/: nothing to label", Assert.Single(Problem(result, 400)["images_prefix"]));
    }

    [Fact]
    public async Task Submit_writes_the_job_and_one_shard_message_per_shard_then_get_and_cancel_follow_it()
    {
        await using var plane = await ControlPlane.StartAsync(azurite);
        var dataset = $"api-{Guid.NewGuid():N}"[..16];
        await plane.UploadImagesAsync($"{dataset}/", 5);
        await plane.SharedModelAsync(model);

        var result = await plane.Create<SubmitJobFunction>().RunAsync(
            ControlPlane.Request($$"""{"dataset":"{{dataset}}","model":"tiny-shared.onnx","shard_size":2}"""), CancellationToken.None);

        var status = Status(result, 202);
        Assert.Equal("planned", status.Submission);
        Assert.Equal(JobState.Running, status.State);
        Assert.Equal(3, status.Counts.Shards);
        Assert.Equal(5, status.Counts.ImagesTotal);
        var job = await plane.Jobs.ReadJobAsync(status.JobId);
        Assert.Equal(JobState.Running, job!.State);
        Assert.Equal(ControlPlane.SharedModel, job.Request.Model.Name);
        var messages = await plane.Queues.Shards.ReceiveAsync(32, TimeSpan.FromSeconds(2));
        Assert.Equal([$"{status.JobId}:0", $"{status.JobId}:1", $"{status.JobId}:2"], messages.Select(m => m.Id).Order(StringComparer.Ordinal));
        foreach (var message in messages)
        {
            await message.CompleteAsync();
        }

        var got = Status(await plane.Create<GetJobFunction>().RunAsync(ControlPlane.Request(), status.JobId, CancellationToken.None), 200);
        Assert.Equal(status.JobId, got.JobId);
        Assert.Equal(0, got.Counts.ShardsFinished);
        Assert.Equal($"jobs/{status.JobId}/job.json", got.Links.Job);
        Assert.Null(got.Links.Annotations);

        var cancelled = Status(await plane.Create<CancelJobFunction>().RunAsync(ControlPlane.Request("{}"), status.JobId, CancellationToken.None), 200);
        Assert.Equal(JobState.Cancelled, cancelled.State);
        Assert.Equal(JobState.Cancelled, (await plane.Jobs.ReadJobAsync(status.JobId))!.State);
        var again = Status(await plane.Create<CancelJobFunction>().RunAsync(ControlPlane.Request("{}"), status.JobId, CancellationToken.None), 200);
        Assert.Equal(JobState.Cancelled, again.State);
    }

    [Fact]
    public async Task A_body_without_shard_size_gets_the_hosts_configured_shard_size()
    {
        await using var plane = await ControlPlane.StartAsync(azurite, settings: ("Pipeline:ShardSize", "2"));
        var dataset = $"size-{Guid.NewGuid():N}"[..16];
        await plane.UploadImagesAsync($"{dataset}/", 3);
        await plane.SharedModelAsync(model);

        var status = Status(await plane.Create<SubmitJobFunction>().RunAsync(
            ControlPlane.Request($$"""{"dataset":"{{dataset}}","model":"tiny-shared.onnx"}"""), CancellationToken.None), 202);

        Assert.Equal(2, status.Counts.Shards);
        Assert.Equal(2, (await plane.Jobs.ReadJobAsync(status.JobId))!.Request.ShardSize);
    }

    [Fact]
    public async Task Every_rule_of_the_request_is_reported_under_its_json_field()
    {
        await using var plane = await ControlPlane.StartAsync(azurite);
        await plane.SharedModelAsync(model);

        var result = await plane.Create<SubmitJobFunction>().RunAsync(
            ControlPlane.Request("""
                {"dataset":"d","images_prefix":"d","model":"tiny-shared.onnx","ground_truth":"../gt.json","job_id":"checkpoints",
                 "thresholds":{"detections_per_image":0,"min_speck_area":-1}}
                """),
            CancellationToken.None);

        var errors = Problem(result, 400);
        Assert.Equal(
            ["ground_truth", "images_prefix", "job_id", "thresholds.detections_per_image", "thresholds.min_speck_area"], errors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("\"d\" must be empty or end with '/'", Assert.Single(errors["images_prefix"]));
        Assert.Equal("must be 1-10000, got 0", Assert.Single(errors["thresholds.detections_per_image"]));
        Assert.StartsWith("\"checkpoints\" is reserved", Assert.Single(errors["job_id"]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_and_cancel_answer_404_for_an_unknown_job_and_400_for_an_invalid_id()
    {
        await using var plane = await ControlPlane.StartAsync(azurite);

        Problem(await plane.Create<GetJobFunction>().RunAsync(ControlPlane.Request(), "no-such-job", CancellationToken.None), 404);
        Problem(await plane.Create<CancelJobFunction>().RunAsync(ControlPlane.Request("{}"), "no-such-job", CancellationToken.None), 404);
        var errors = Problem(await plane.Create<GetJobFunction>().RunAsync(ControlPlane.Request(), "Not..Valid", CancellationToken.None), 400);
        Assert.Contains("must be 1-64 characters", Assert.Single(errors["id"]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancelling_a_completed_job_is_a_conflict()
    {
        await using var plane = await ControlPlane.StartAsync(azurite);
        var jobId = $"done-{Guid.NewGuid():N}"[..20];
        await plane.Jobs.WriteJobAsync(new JobRecord
        {
            JobId = jobId,
            Request = new JobRequest { Dataset = "done", ImagesPrefix = "done/", Model = new ModelReference(ModelLocation.Blob, "m.onnx", "\"1\"") },
            State = JobState.Completed,
            CreatedAt = DateTimeOffset.UtcNow,
        });

        var result = await plane.Create<CancelJobFunction>().RunAsync(ControlPlane.Request("{}"), jobId, CancellationToken.None);

        var problem = Assert.IsType<ProblemDetails>(Assert.IsType<ObjectResult>(result).Value);
        Assert.Equal(409, problem.Status);
        Assert.Equal($"job {jobId} is already completed", problem.Detail);
        Assert.Equal(JobState.Completed, (await plane.Jobs.ReadJobAsync(jobId))!.State);
    }

    internal static IDictionary<string, string[]> Problem(IActionResult result, int status)
    {
        var objectResult = Assert.IsType<ObjectResult>(result);
        Assert.Equal(status, objectResult.StatusCode);
        Assert.Contains("application/problem+json", objectResult.ContentTypes);
        return objectResult.Value is ValidationProblemDetails validation ? validation.Errors : new Dictionary<string, string[]>();
    }

    internal static JobStatus Status(IActionResult result, int status)
    {
        var json = Assert.IsType<JsonResult>(result);
        Assert.Equal(status, json.StatusCode);
        // What the client receives: the value serialized with the result's options (snake_case).
        var text = JsonSerializer.Serialize(json.Value, (JsonSerializerOptions)json.SerializerSettings!);
        Assert.Contains("\"job_id\":", text, StringComparison.Ordinal);
        return Assert.IsType<JobStatus>(json.Value);
    }
}
