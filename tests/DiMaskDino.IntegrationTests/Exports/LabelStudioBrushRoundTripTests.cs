using System.Diagnostics;
using DiMaskDino.Coco;
using DiMaskDino.Coco.Masks;
using DiMaskDino.IntegrationTests.Azurite;
using DiMaskDino.Pipeline.Exports;
using DiMaskDino.TestSupport;

namespace DiMaskDino.IntegrationTests.Exports;

/// <summary>
/// The Label Studio brush RLE decoded by the real decoder: the npm package <c>@thi.ng/rle-pack</c> (pinned), whose
/// <c>decode</c> Label Studio's front end runs on <c>value.rle</c>, must give back the mask as RGBA, pixel for pixel.
/// </summary>
[Trait("Category", "Integration")]
public sealed class LabelStudioBrushRoundTripTests
{
    private const string Version = "3.2.12";

    [Fact]
    public async Task Rle_pack_decodes_the_brush_rle_to_the_mask()
    {
        var prefix = Path.Combine(SharedFiles.RepositoryRoot, ".tools", "rle-pack");
        await AzuriteInstaller.EnsureNpmPackageAsync("@thi.ng/rle-pack", Version, prefix, CancellationToken.None);
        // Odd sizes, a mask touching the borders, one longer than a 16-bit run, and an empty one.
        const int height = 300, width = 301;
        RleMask[] masks =
        [
            Rle.Merge([Rle.FromBox(new BoundingBox(0, 0, 7, 300), height, width), Rle.FromPolygon([150, 20, 290, 150, 150, 290, 20, 150], height, width)], intersect: false),
            Rle.FromBox(new BoundingBox(0, 0, 301, 300), height, width),
            RleMask.Empty(height, width),
        ];
        using var temp = new TemporaryDirectory();
        var lines = masks.Select(m => string.Join(",", LabelStudioBrush.Encode(m))).ToArray();
        await File.WriteAllLinesAsync(temp.File("rle.txt"), lines);
        await File.WriteAllTextAsync(temp.File("decode.mjs"), $$"""
            import { decode } from "{{new Uri(Path.Combine(prefix, "node_modules", "@thi.ng", "rle-pack", "index.js")).AbsoluteUri}}";
            import fs from "fs";
            for (const line of fs.readFileSync(process.argv[2], "utf8").trim().split("\n")) {
              const rgba = decode(new Uint8Array(line.split(",").map(Number)));
              const alpha = []; for (let i = 3; i < rgba.length; i += 4) alpha.push(rgba[i] === 255 ? "1" : (rgba[i] === 0 ? "0" : "?"));
              console.log(rgba.length + " " + alpha.join(""));
            }
            """);

        var decoded = RunNode(temp.File("decode.mjs"), temp.File("rle.txt"));

        Assert.Equal(masks.Length, decoded.Length);
        for (int k = 0; k < masks.Length; k++)
        {
            var parts = decoded[k].Split(' ');
            Assert.Equal(4 * height * width, int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture));
            var columnMajor = new byte[height * width];
            Rle.Decode(masks[k], columnMajor);
            var expected = new char[height * width];
            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    expected[y * width + x] = columnMajor[x * height + y] != 0 ? '1' : '0';
                }
            }

            Assert.Equal(new string(expected), parts[1]);
        }
    }

    private static string[] RunNode(string script, string input)
    {
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(input);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, error);
        return output.Result.TrimEnd().Split('\n');
    }
}
