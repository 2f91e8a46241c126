using System.Text.Json;

namespace DiMaskDino.Functions.Tests.Metadata;

/// <summary>
/// The Functions SDK writes <c>functions.metadata</c> into the Functions project's build output when it builds; the Azure
/// host indexes exactly what it lists. This checks that it lists exactly our triggers.
/// </summary>
public sealed class FunctionMetadataTests
{
    [Fact]
    public void Metadata_lists_exactly_the_three_routes_two_blob_triggers_and_the_timer()
    {
        using var json = JsonDocument.Parse(File.ReadAllBytes(MetadataFile()));
        var functions = json.RootElement.EnumerateArray()
            .ToDictionary(f => f.GetProperty("name").GetString()!, f => f.GetProperty("bindings").EnumerateArray().ToList());

        Assert.Equal(
            ["CancelJob", "CheckpointEvaluation", "GetJob", "Janitor", "LabelRequest", "SubmitJob"],
            functions.Keys.Order(StringComparer.Ordinal));

        AssertHttp(functions["SubmitJob"], "post", "jobs");
        AssertHttp(functions["GetJob"], "get", "jobs/{id}");
        AssertHttp(functions["CancelJob"], "post", "jobs/{id}/cancel");
        AssertBlob(functions["LabelRequest"], "images/{dataset}/_label.json");
        AssertBlob(functions["CheckpointEvaluation"], "models/{name}.onnx");

        var timer = Assert.Single(functions["Janitor"]);
        Assert.Equal("timerTrigger", timer.GetProperty("type").GetString());
        Assert.Equal("0 */5 * * * *", timer.GetProperty("schedule").GetString());
    }

    private static void AssertHttp(List<JsonElement> bindings, string method, string route)
    {
        Assert.Equal(2, bindings.Count);
        var trigger = Assert.Single(bindings, b => b.GetProperty("type").GetString() == "httpTrigger");
        Assert.Equal([method], trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(route, trigger.GetProperty("route").GetString());
        Assert.Equal("Function", trigger.GetProperty("authLevel").GetString());
        var output = Assert.Single(bindings, b => b.GetProperty("type").GetString() == "http");
        Assert.Equal("Out", output.GetProperty("direction").GetString());
    }

    private static void AssertBlob(List<JsonElement> bindings, string path)
    {
        var trigger = Assert.Single(bindings);
        Assert.Equal("blobTrigger", trigger.GetProperty("type").GetString());
        Assert.Equal(path, trigger.GetProperty("path").GetString());
        Assert.Equal("Storage", trigger.GetProperty("connection").GetString());
        Assert.Equal("EventGrid", trigger.GetProperty("source").GetString());
    }

    private static string MetadataFile() => FunctionsBuildOutput.File("functions.metadata");
}
