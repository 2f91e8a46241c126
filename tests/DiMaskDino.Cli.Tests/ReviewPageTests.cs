using System.Text.Json;
using System.Text.RegularExpressions;
using DiMaskDino.TestSupport;
using SixLabors.ImageSharp;

namespace DiMaskDino.Cli.Tests;

/// <summary>
/// <c>dimaskdino label</c>'s review queue as a user gets it: review.json and review.csv ranking every image, and
/// review.html loaded in headless Chromium from disk, with every top-N overlay found and decoded.
/// </summary>
public sealed partial class ReviewPageTests(TinyModelFile model) : IClassFixture<TinyModelFile>
{
    private static readonly TimeSpan ChromiumTimeout = TimeSpan.FromMinutes(1);

    [SkippableFact]
    public void Review_html_shows_the_top_images_with_their_overlays_in_chromium()
    {
        HeadlessChromium.Require();
        using var work = new TemporaryDirectory();
        string[] names = ["a #1.png", "sub dir/ünï?.png", "quote\"and<angle>.png", "plain.png", "z.png"];
        for (int i = 0; i < names.Length; i++)
        {
            TinyModelFile.WriteImage(work.File(["in", .. names[i].Split('/')]), 40 + (10 * i), 60 - (5 * i), seed: i);
        }

        const string Broken = "broken\"<script>alert(1)<.png"; // listed on the page among the failures
        File.WriteAllText(work.File("in", Broken), "not a png");
        var output = work.File("out");

        var result = CliRunner.Run(
            "label", work.File("in"), "--model", model.Path, "--out", output, "--cpu", "--score-threshold", "0", "--max-detections", "2",
            "--shard-size", "2", "--review-top", "3");

        Assert.True(result.ExitCode == 0, result.StandardError);
        using var review = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(output, "review.json")));
        var ranked = review.RootElement.GetProperty("images").EnumerateArray().Select(i => i.GetProperty("file_name").GetString()!).ToList();
        Assert.Equal(names.Order(StringComparer.Ordinal), ranked.Order(StringComparer.Ordinal));
        Assert.Equal(Broken, Assert.Single(review.RootElement.GetProperty("failures").EnumerateArray()).GetProperty("file_name").GetString());
        Assert.Equal(1 + names.Length, File.ReadAllText(Path.Combine(output, "review.csv")).Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);
        var top = ranked.Take(3).ToList();
        // Without --previews, overlays are drawn for the page's images only.
        Assert.Equal(
            top.Select(n => n + ".png").Order(StringComparer.Ordinal),
            Directory.EnumerateFiles(Path.Combine(output, "previews"), "*", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(Path.Combine(output, "previews"), f).Replace(Path.DirectorySeparatorChar, '/')).Order(StringComparer.Ordinal));

        var page = Path.Combine(output, "review.html");
        var images = Images(HeadlessChromium.DumpDom(page, TimeSpan.FromSeconds(5), ChromiumTimeout));

        Assert.Equal(top.Select(PreviewUrl), images.Select(i => i["src"]));
        for (int i = 0; i < top.Count; i++)
        {
            var preview = Image.Identify(Path.Combine(output, "previews", top[i].Replace('/', Path.DirectorySeparatorChar) + ".png"));
            Assert.Equal("yes", images[i].GetValueOrDefault("data-loaded"));
            Assert.Equal(preview.Width.ToString(System.Globalization.CultureInfo.InvariantCulture), images[i].GetValueOrDefault("data-natural-width"));
        }

        // The check can fail: a preview removed is reported as missing by the page.
        File.Delete(Path.Combine(output, "previews", top[1].Replace('/', Path.DirectorySeparatorChar) + ".png"));
        var dom = HeadlessChromium.DumpDom(page, TimeSpan.FromSeconds(5), ChromiumTimeout);
        Assert.Equal(["yes", "no", "yes"], Images(dom).Select(i => i.GetValueOrDefault("data-loaded")));
        Assert.Contains("preview not found: previews/", dom, StringComparison.Ordinal);
        // The hostile file names stayed text: the page's own script is the only one.
        Assert.Single(ScriptTag().Matches(dom));
        Assert.Contains("broken\"&lt;script&gt;alert(1)&lt;.png", dom, StringComparison.Ordinal);
    }

    [Fact]
    public void Review_top_out_of_range_is_refused_before_labeling()
    {
        using var work = new TemporaryDirectory();
        TinyModelFile.WriteImage(work.File("in", "a.png"), 30, 30, seed: 1);

        var result = CliRunner.Run("label", work.File("in"), "--model", model.Path, "--out", work.File("out"), "--review-top", "-1");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--review-top must be 0-100000, got -1", result.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(work.File("out", "annotations.json")));
    }

    private static string PreviewUrl(string fileName) =>
        "previews/" + string.Join('/', (fileName + ".png").Split('/').Select(Uri.EscapeDataString));

    // The attributes of every <img class="preview"> in a serialized DOM, in document order (quoted values may hold '>').
    private static List<Dictionary<string, string>> Images(string dom)
    {
        var images = new List<Dictionary<string, string>>();
        for (int at = dom.IndexOf("<img", StringComparison.Ordinal); at >= 0; at = dom.IndexOf("<img", at, StringComparison.Ordinal))
        {
            var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
            at += 4;
            for (var match = Attribute().Match(dom, at); match.Success; match = Attribute().Match(dom, at))
            {
                attributes[match.Groups[1].Value] = System.Net.WebUtility.HtmlDecode(match.Groups[2].Value);
                at = match.Index + match.Length;
            }

            if (attributes.GetValueOrDefault("class") == "preview")
            {
                images.Add(attributes);
            }
        }

        return images;
    }

    [GeneratedRegex("\\G\\s+([a-z-]+)=\"([^\"]*)\"")]
    private static partial Regex Attribute();

    [GeneratedRegex("<script[ >]")]
    private static partial Regex ScriptTag();
}
