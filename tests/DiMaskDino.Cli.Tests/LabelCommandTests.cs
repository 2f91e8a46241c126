using System.Text;
using System.Text.Json;
using DiMaskDino.TestSupport;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace DiMaskDino.Cli.Tests;

/// <summary><c>dimaskdino label</c> as a child process: what fails fast, and a hostile input folder.</summary>
public sealed class LabelCommandTests(TinyModelFile model) : IClassFixture<TinyModelFile>
{
    [Theory]
    [InlineData("truncated-model", "error: --model: {model} is not an ONNX model")]
    [InlineData("text-model", "error: --model: {model} is not an ONNX model")]
    [InlineData("empty-input", "error: INPUT: no images found in {in}")]
    [InlineData("input-is-a-file", "error: INPUT must be a folder; {in}/a.png is a file")]
    [InlineData("out-is-a-file", "error: --out {out} is a file; give a folder")]
    [InlineData("gt-images-null", "error: --gt: {gt}: $.images: expected an array of images, found null")]
    [InlineData("gt-not-json", "error: --gt: {gt}: $: ")]
    [InlineData("out-links-into-input", "error: --out {out} leads through a symbolic link into INPUT")]
    [InlineData("out-links-onto-input", "error: --out {out} must not be INPUT or a folder that contains it")]
    [InlineData("shard-size-0", "error: --shard-size must be 1-100000, got 0")]
    [InlineData("score-threshold-above-1", "error: --score-threshold must be within 0..1, got 1.5")]
    [InlineData("two-bad-options", "error: --shard-size must be 1-100000, got 100001; --max-detections must be 1-10000, got 0")]
    public void Label_refuses_with_one_line_and_writes_nothing(string @case, string expected)
    {
        using var work = new TemporaryDirectory();
        var input = work.File("in");
        TinyModelFile.WriteImage(Path.Combine(input, "a.png"), 40, 30, seed: 1);
        var output = work.File("out");
        var gt = work.File("gt.json");
        var modelFile = model.Path;
        var inputArgument = input;
        switch (@case)
        {
            case "truncated-model":
                modelFile = work.File("truncated.onnx");
                File.WriteAllBytes(modelFile, File.ReadAllBytes(model.Path)[..2000]);
                break;
            case "text-model":
                modelFile = work.File("text.onnx");
                File.WriteAllText(modelFile, "not a model\n");
                break;
            case "empty-input":
                File.Delete(Path.Combine(input, "a.png"));
                File.WriteAllText(Path.Combine(input, "notes.txt"), "no image here");
                break;
            case "input-is-a-file":
                inputArgument = Path.Combine(input, "a.png");
                break;
            case "out-is-a-file":
                File.WriteAllText(output, "a file");
                break;
            case "gt-images-null":
                File.WriteAllText(gt, """{"images": null, "categories": []}""");
                break;
            case "gt-not-json":
                File.WriteAllText(gt, "{ not json");
                break;
            case "out-links-into-input":
                Directory.CreateDirectory(Path.Combine(input, "labels"));
                Directory.CreateSymbolicLink(output, Path.Combine(input, "labels"));
                break;
            case "out-links-onto-input":
                Directory.CreateSymbolicLink(output, input);
                break;
        }

        string[] arguments = ["label", inputArgument, "--model", modelFile, "--out", output, "--provider", "cpu"];
        string[] extra = @case switch
        {
            _ when @case.StartsWith("gt-", StringComparison.Ordinal) => ["--gt", gt],
            "shard-size-0" => ["--shard-size", "0"],
            "score-threshold-above-1" => ["--score-threshold", "1.5"],
            "two-bad-options" => ["--shard-size", "100001", "--max-detections", "0"],
            _ => [],
        };
        var result = CliRunner.Run([.. arguments, .. extra]);

        Assert.True(result.ExitCode == 1, $"exit {result.ExitCode}: {result.StandardError}");
        var line = Assert.Single(result.StandardError.TrimEnd().Split('\n'));
        Assert.StartsWith(expected.Replace("{model}", modelFile).Replace("{in}", input).Replace("{out}", output).Replace("{gt}", gt), line, StringComparison.Ordinal);
        var written = @case switch
        {
            "out-is-a-file" => File.ReadAllText(output) != "a file",
            "out-links-into-input" => Directory.EnumerateFileSystemEntries(Path.Combine(input, "labels")).Any(),
            "out-links-onto-input" => Directory.EnumerateFileSystemEntries(input).Count() != 1,
            _ => Path.Exists(output),
        };
        Assert.False(written, "something was written");
    }

    [Fact]
    public void Source_azure_takes_one_way_into_the_account_as_an_https_url_and_needs_no_queue_endpoint()
    {
        using var work = new TemporaryDirectory();
        var both = CliRunner.Run(
            "label", "photos", "--source", "azure", "--model", "tiny.onnx", "--out", work.File("out"),
            "--storage-connection-string", "UseDevelopmentStorage=true", "--blob-uri", "https://account.blob.core.windows.net");

        Assert.Equal(1, both.ExitCode);
        Assert.Equal("error: give either --storage-connection-string or --blob-uri, not both", both.StandardError.Trim());
        Assert.False(Directory.Exists(work.File("out")));
        Assert.DoesNotContain("--queue-uri", CliRunner.Run("label", "--help").StandardOutput, StringComparison.Ordinal);

        var notAUrl = CliRunner.Run("label", "photos", "--source", "azure", "--model", "tiny.onnx", "--out", work.File("out"), "--blob-uri", "account");

        Assert.Equal(1, notAUrl.ExitCode);
        Assert.StartsWith("error: --blob-uri: 'account' is not an absolute URL\n", notAUrl.StandardError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(work.File("out")));

        var plainHttp = CliRunner.Run(
            "label", "photos", "--source", "azure", "--model", "tiny.onnx", "--out", work.File("out"), "--blob-uri", "http://127.0.0.1:10000/devstoreaccount1");

        Assert.Equal(1, plainHttp.ExitCode);
        Assert.StartsWith(
            "error: --blob-uri: 'http://127.0.0.1:10000/devstoreaccount1' is not an https URL (DefaultAzureCredential needs HTTPS)\n",
            plainHttp.StandardError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(work.File("out")));
    }

    [Fact]
    public void Help_shows_choices_and_defaults_in_lower_case()
    {
        var result = CliRunner.Run("label", "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("--source <local|azure>", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("[default: local]", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("--provider <cuda|cpu>", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("[default: cuda]", result.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("Local", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void A_hostile_folder_is_labeled_with_every_entry_labeled_or_failed_with_a_reason()
    {
        using var work = new TemporaryDirectory();
        var input = Directory.CreateDirectory(work.File("in")).FullName;
        string[] oddNames = ["new\nline.png", "tab\tname.png", "back\\slash.png", "bell\u0007.png"];
        foreach (var (name, index) in oddNames.Select((n, i) => (n, i)))
        {
            TinyModelFile.WriteImage(Path.Combine(input, name), 30, 20, seed: index);
        }

        TinyModelFile.WriteImage(Path.Combine(input, "x.png", "inner.png"), 20, 20, seed: 9);
        File.WriteAllText(work.File("secret.txt"), "outside");
        File.CreateSymbolicLink(Path.Combine(input, "link-out.png"), work.File("secret.txt"));
        File.CreateSymbolicLink(Path.Combine(input, "dangling.png"), Path.Combine(input, "gone.png"));
        File.CreateSymbolicLink(Path.Combine(input, "loop.png"), Path.Combine(input, "loop.png"));
        HostileFiles.Fifo(Path.Combine(input, "p.png"));
        File.WriteAllBytes(Path.Combine(input, "zero.png"), []);
        File.WriteAllBytes(Path.Combine(input, "header-lies.png"), TestImages.PngHeaderOnly(100_000, 100_000));
        File.WriteAllBytes(Path.Combine(input, "bomb.png"), TestImages.PngBomb(7_000, 7_000));
        using (var tall = new Image<Rgb24>(1, 60_000, new Rgb24(200, 10, 10)))
        {
            tall.SaveAsPng(Path.Combine(input, "tall.png"));
        }

        var output = work.File("out");
        Directory.CreateDirectory(output);
        var leftover = Path.Combine(output, $".failures.json.{Guid.NewGuid():N}.tmp");
        File.WriteAllText(leftover, "from a run killed during the export");
        var growing = GrowAsync(Path.Combine(input, "grows.png"));

        ProcessRunner.Result result;
        try
        {
            result = CliRunner.RunWithProgress("label", input, "--model", model.Path, "--out", output, "--provider", "cpu", "--shard-size", "4", "--score-threshold", "0.5");
        }
        finally
        {
            growing.Cancel();
        }

        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Matches(@"progress: \d+/14 images \(\d+\.\d%\), \d+\.\d images/s, \d+ failed, ETA ", result.StandardError);
        var labeled = ReadNames(Path.Combine(output, "annotations.json"), json => json.GetProperty("images").EnumerateArray());
        var failures = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(output, "failures.json"))).RootElement.EnumerateArray()
            .ToDictionary(f => f.GetProperty("file_name").GetString()!, f => f.GetProperty("reason").GetString()!);
        string[] all =
        [
            .. oddNames, "x.png/inner.png", "link-out.png", "dangling.png", "loop.png", "p.png", "zero.png", "header-lies.png", "bomb.png", "tall.png", "grows.png",
        ];
        Assert.Equal(all.Order(StringComparer.Ordinal), labeled.Concat(failures.Keys).Order(StringComparer.Ordinal));
        Assert.Superset(new HashSet<string>([.. oddNames, "x.png/inner.png", "tall.png"]), new HashSet<string>(labeled.Where(n => n != "grows.png")));
        Assert.Contains("symbolic link leads outside the input folder", failures["link-out.png"], StringComparison.Ordinal);
        Assert.Contains("dangling symbolic link", failures["dangling.png"], StringComparison.Ordinal);
        Assert.Contains("loop", failures["loop.png"], StringComparison.Ordinal);
        Assert.Contains("not a regular file (a FIFO)", failures["p.png"], StringComparison.Ordinal);
        Assert.Contains("empty", failures["zero.png"], StringComparison.OrdinalIgnoreCase);
        Assert.Contains("100000x100000", failures["header-lies.png"], StringComparison.Ordinal);
        Assert.Contains("7000x7000", failures["bomb.png"], StringComparison.Ordinal);
        Assert.All(failures.Values, reason => Assert.False(string.IsNullOrWhiteSpace(reason)));
        using var summary = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(output, "summary.json")));
        Assert.Equal(labeled.Count, summary.RootElement.GetProperty("images_labeled_this_job").GetInt64());
        Assert.False(File.Exists(leftover), "the killed run's temporary file is still there");
        Assert.Empty(Directory.GetFiles(output, "*.tmp"));
    }

    [Fact]
    public void Summary_and_report_name_the_users_paths_not_the_work_stores()
    {
        using var work = new TemporaryDirectory();
        var input = work.File("in");
        TinyModelFile.WriteImage(Path.Combine(input, "a.png"), 40, 30, seed: 1);
        File.WriteAllText(work.File("gt.json"), """{"images": [{"id": 1, "width": 40, "height": 30, "file_name": "a.png"}], "categories": [{"id": 1, "name": "circle"}], "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [2, 2, 10, 10], "segmentation": [[2, 2, 12, 2, 12, 12, 2, 12]], "area": 100, "iscrowd": 0}]}""");
        var output = work.File("out");

        var result = CliRunner.Run("label", input, "--model", model.Path, "--out", output, "--provider", "cpu", "--gt", work.File("gt.json"));

        Assert.True(result.ExitCode == 0, result.StandardError);
        using var summary = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(output, "summary.json")));
        Assert.Equal(Path.Combine(output, "report.json"), summary.RootElement.GetProperty("report").GetString());
        var markdown = File.ReadAllText(Path.Combine(output, "report.md"));
        Assert.Contains(work.File("gt.json"), markdown, StringComparison.Ordinal);
        Assert.Contains("evaluation-mode detections", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("datasets/local", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("datasets/local", File.ReadAllText(Path.Combine(output, "report.json")), StringComparison.Ordinal);
    }

    /// <summary>Writes the first half of a PNG, then appends its rest and more bytes every 20 ms until cancelled.</summary>
    private static CancellationTokenSource GrowAsync(string path)
    {
        using var image = new Image<Rgb24>(40, 40, new Rgb24(1, 2, 3));
        using var stream = new MemoryStream();
        image.SaveAsPng(stream);
        var bytes = stream.ToArray();
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var stop = new CancellationTokenSource();
        _ = Task.Run(async () =>
        {
            var offset = bytes.Length / 2;
            while (!stop.IsCancellationRequested)
            {
                await using (var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite))
                {
                    file.Write(offset < bytes.Length ? bytes[offset..Math.Min(bytes.Length, offset + 16)] : Encoding.ASCII.GetBytes("more"));
                }

                offset += 16;
                await Task.Delay(20);
            }
        });
        return stop;
    }

    private static List<string> ReadNames(string file, Func<JsonElement, IEnumerable<JsonElement>> items)
    {
        using var json = JsonDocument.Parse(File.ReadAllBytes(file));
        return [.. items(json.RootElement).Select(i => i.GetProperty("file_name").GetString()!)];
    }
}
