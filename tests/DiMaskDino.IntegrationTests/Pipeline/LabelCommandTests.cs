using System.Text.Json;
using DiMaskDino.IntegrationTests.Azurite;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Tests.Fixtures;
using DiMaskDino.TestSupport;

namespace DiMaskDino.IntegrationTests.Pipeline;

/// <summary><c>dimaskdino label</c> as a user runs it: a child process, real files, and against Azurite with --source azure.</summary>
[Collection(AzuriteCollection.Name)]
[Trait("Category", "Integration")]
public sealed class LabelCommandTests(AzuriteFixture azurite, TinyModel model) : IClassFixture<TinyModel>
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    [Fact]
    public void Label_writes_its_outputs_and_a_second_run_is_a_no_op_with_identical_bytes()
    {
        using var temp = new TemporaryDirectory();
        var input = Directory.CreateDirectory(temp.File("in")).FullName;
        SyntheticImages.WriteMany(input, 5);
        File.WriteAllBytes(Path.Combine(input, "broken.png"), [0x89, (byte)'P', (byte)'N', (byte)'G']);
        var output = temp.File("out");
        string[] arguments = ["label", input, "--model", model.Path, "--out", output, "--cpu", "--shard-size", "2", "--score-threshold", "0", "--max-detections", "2", "--postprocess", "official"];

        var first = ProcessRunner.Run("dimaskdino.dll", Patience, arguments);

        Assert.True(first.ExitCode == 0, first.StandardError);
        Assert.Contains("5 of 6 images labeled", first.StandardOutput, StringComparison.Ordinal);
        var summary = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(output, JobPaths.SummaryFile))).RootElement;
        Assert.Equal(6, summary.GetProperty("images_total").GetInt64());
        Assert.Equal(5, summary.GetProperty("images_labeled").GetInt64());
        Assert.Equal(1, summary.GetProperty("images_failed").GetInt64());
        Assert.Equal(10, summary.GetProperty("annotations").GetInt64());
        var failure = Assert.Single(JsonDocument.Parse(File.ReadAllBytes(Path.Combine(output, JobPaths.FailuresFile))).RootElement.EnumerateArray());
        Assert.Equal("broken.png", failure.GetProperty("file_name").GetString());
        var bytes = Outputs(output);

        var second = ProcessRunner.Run("dimaskdino.dll", Patience, arguments);

        Assert.True(second.ExitCode == 0, second.StandardError);
        Assert.Contains("already up to date", second.StandardError, StringComparison.Ordinal);
        Assert.Equal(bytes, Outputs(output));
    }

    [Fact]
    public void A_job_record_of_a_different_request_under_the_same_id_stops_label_with_one_line_and_is_left_alone()
    {
        using var temp = new TemporaryDirectory();
        var input = Directory.CreateDirectory(temp.File("in")).FullName;
        SyntheticImages.WriteMany(input, 2);
        string[] Arguments(string output) => ["label", input, "--model", model.Path, "--out", output, "--cpu", "--shard-size", "2", "--score-threshold", "0"];
        var reference = ProcessRunner.Run("dimaskdino.dll", Patience, Arguments(temp.File("reference")));
        Assert.True(reference.ExitCode == 0, reference.StandardError);
        // The job this request derives, as another submission of a different request left it while planning.
        var jobFile = Assert.Single(Directory.GetFiles(Path.Combine(temp.File("reference"), ".dimaskdino", "jobs"), "job.json", SearchOption.AllDirectories));
        var record = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(jobFile))!;
        record["request"]!["shard_size"] = 3;
        record["state"] = "planning";
        var jobId = (string)record["job_id"]!;
        var planted = Path.Combine(temp.File("out"), ".dimaskdino", "jobs", jobId, "job.json");
        Directory.CreateDirectory(Path.GetDirectoryName(planted)!);
        File.WriteAllText(planted, record.ToJsonString());

        var result = ProcessRunner.Run("dimaskdino.dll", Patience, Arguments(temp.File("out")));

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"error: job {jobId} already exists with a different request (shard_size differ): choose another job_id, or repeat that job's request",
            result.StandardError.Trim());
        Assert.Equal(record.ToJsonString(), File.ReadAllText(planted));
        Assert.False(Directory.Exists(Path.Combine(temp.File("out"), ".dimaskdino", "jobs", jobId, "shards")));
    }

    [Theory]
    [InlineData("missing-input", "error: INPUT: folder not found")]
    [InlineData("missing-model", "error: --model: file not found")]
    [InlineData("bad-shard-size", "error: --shard-size must be 1-100000")]
    [InlineData("out-contains-input", "must not be INPUT or a folder that contains it")]
    public void Bad_arguments_exit_1_with_a_one_line_reason(string @case, string expected)
    {
        using var temp = new TemporaryDirectory();
        var input = Directory.CreateDirectory(temp.File("in")).FullName;
        string[] arguments = @case switch
        {
            "missing-input" => ["label", temp.File("nope"), "--model", model.Path, "--out", temp.File("out")],
            "missing-model" => ["label", input, "--model", temp.File("nope.onnx"), "--out", temp.File("out")],
            "bad-shard-size" => ["label", input, "--model", model.Path, "--out", temp.File("out"), "--shard-size", "0"],
            _ => ["label", input, "--model", model.Path, "--out", temp.Path],
        };

        var result = ProcessRunner.Run("dimaskdino.dll", Patience, arguments);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(expected, result.StandardError, StringComparison.Ordinal);
        Assert.Single(result.StandardError.Trim().Split('\n'));
    }

    [Fact]
    public async Task Label_with_source_azure_labels_a_dataset_in_the_storage_account()
    {
        using var pipeline = await AzuritePipeline.CreateAsync(azurite, model, images: 6);
        var output = pipeline.TempFile("out");

        var result = ProcessRunner.Run(
            "dimaskdino.dll", Patience,
            "label", pipeline.Dataset, "--source", "azure", "--storage-connection-string", azurite.ConnectionString, "--model", pipeline.Model.Name,
            "--out", output, "--cpu", "--shard-size", "4", "--score-threshold", "0", "--max-detections", "1");

        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Contains("6 of 6 images labeled", result.StandardOutput, StringComparison.Ordinal);
        var latest = await pipeline.Jobs.ReadLatestAsync(pipeline.Dataset);
        Assert.NotNull(latest);
        var stored = await pipeline.Store.ReadAsync(JobPaths.Output(pipeline.Dataset, latest.JobId, JobPaths.AnnotationsFile));
        Assert.Equal(stored!.Data.ToArray(), File.ReadAllBytes(Path.Combine(output, JobPaths.AnnotationsFile)));
        // The review queue is in the labels container too; the page's overlays are drawn from the account's images.
        var review = await pipeline.Store.ReadAsync(JobPaths.Output(pipeline.Dataset, latest.JobId, "review.json"));
        Assert.Equal(review!.Data.ToArray(), File.ReadAllBytes(Path.Combine(output, "review.json")));
        Assert.Equal(6, Directory.GetFiles(Path.Combine(output, "previews"), "*.png", SearchOption.AllDirectories).Length);
        Assert.True(File.Exists(Path.Combine(output, "review.html")));
    }

    private static byte[][] Outputs(string folder) =>
        [.. new[] { JobPaths.AnnotationsFile, JobPaths.FailuresFile, JobPaths.SummaryFile, "review.json", "review.csv", "review.html" }
            .Select(f => File.ReadAllBytes(Path.Combine(folder, f)))];
}
