using System.Text.Json;
using System.Text.Json.Nodes;
using DiMaskDino.TestSupport;

namespace DiMaskDino.Cli.Tests;

/// <summary><c>dimaskdino label</c> shows the pipeline's warnings (retries, dead letters) on standard error, one line each.</summary>
public sealed class LabelWarningsTests(TinyModelFile model) : IClassFixture<TinyModelFile>
{
    [Fact]
    public void A_shard_that_fails_every_delivery_shows_its_retries_and_dead_letter_on_standard_error()
    {
        using var work = new TemporaryDirectory();
        var input = work.File("in");
        for (var i = 0; i < 4; i++)
        {
            TinyModelFile.WriteImage(Path.Combine(input, $"img-{i}.png"), 40, 30, seed: i);
        }

        var output = work.File("out");
        string[] arguments = ["label", input, "--model", model.Path, "--out", output, "--provider", "cpu", "--shard-size", "2", "--review-top", "0"];
        var first = CliRunner.Run(arguments);
        Assert.True(first.ExitCode == 0, first.StandardError);
        Assert.DoesNotContain("warn:", first.StandardError, StringComparison.Ordinal);

        // Back to running, as if the process had died after shard 0: shard 1 has no result and its manifest names an
        // image outside the input folder, so processing it fails on every delivery until it is dead-lettered.
        var jobFolder = Path.GetDirectoryName(Assert.Single(Directory.GetFiles(Path.Combine(output, ".dimaskdino", "jobs"), "job.json", SearchOption.AllDirectories)))!;
        var jobId = Path.GetFileName(jobFolder);
        Edit(Path.Combine(jobFolder, "job.json"), job => job["state"] = "running");
        Edit(Path.Combine(jobFolder, "shards", "1.json"), manifest => manifest["images"]![1]!["name"] = "../outside.png");
        File.Delete(Path.Combine(jobFolder, "results", "1.json"));
        File.Delete(Path.Combine(jobFolder, "finished-below.txt")); // the readiness hint said shards 0-1 had results
        Directory.Delete(Path.Combine(output, ".dimaskdino", "labels"), recursive: true);

        var second = CliRunner.Run(arguments);

        Assert.True(second.ExitCode == 0, second.StandardError);
        var lines = second.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.StartsWith("warn: ", StringComparison.Ordinal) && l.Contains($"{jobId}:1", StringComparison.Ordinal)
            && l.Contains("retry", StringComparison.Ordinal) && l.Contains("unsafe name", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("fail: ", StringComparison.Ordinal) && l.Contains($"{jobId}:1", StringComparison.Ordinal)
            && l.Contains("dead-lettered", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("warn: ", StringComparison.Ordinal) && l.Contains("shard 1 recorded as failed (2 images)", StringComparison.Ordinal));
        var failures = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(output, "failures.json"))).RootElement.EnumerateArray()
            .Select(f => (f.GetProperty("file_name").GetString(), f.GetProperty("reason").GetString()!)).ToList();
        Assert.Equal(["img-2.png", "../outside.png"], failures.Select(f => f.Item1));
        Assert.All(failures, f => Assert.StartsWith("shard 1 dead-lettered after 5 deliveries: ", f.Item2, StringComparison.Ordinal));
    }

    private static void Edit(string file, Action<JsonNode> change)
    {
        var json = JsonNode.Parse(File.ReadAllText(file))!;
        change(json);
        File.WriteAllText(file, json.ToJsonString());
    }
}
