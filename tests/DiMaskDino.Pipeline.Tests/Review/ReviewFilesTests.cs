using System.Text;
using System.Text.Json;
using DiMaskDino.Coco;
using DiMaskDino.Coco.Masks;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Review;

namespace DiMaskDino.Pipeline.Tests.Review;

/// <summary>The schema of review.json and review.csv, read back the way a tool would.</summary>
public sealed class ReviewFilesTests
{
    [Fact]
    public async Task Review_json_has_the_documented_fields_and_reads_back_equal()
    {
        var document = Document();
        using var files = await ReviewFiles.WriteAsync(document);

        using var json = JsonDocument.Parse(await File.ReadAllBytesAsync(files.JsonPath));
        var root = json.RootElement;
        Assert.Equal(["job_id", "dataset", "score_threshold", "scoring", "images", "failures"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(
            ["class_margin_below", "near_threshold_band", "box_mask_iou_below", "parts_from", "weights"],
            root.GetProperty("scoring").EnumerateObject().Select(p => p.Name));
        Assert.Equal(
            ["low_class_margin", "near_threshold", "box_mask_disagreement", "many_parts", "no_instance"],
            root.GetProperty("scoring").GetProperty("weights").EnumerateObject().Select(p => p.Name));
        var first = root.GetProperty("images")[0];
        Assert.Equal(["rank", "file_name", "image_id", "width", "height", "instances", "score", "reasons"], first.EnumerateObject().Select(p => p.Name));
        Assert.Equal("b,\"quoted\".png", first.GetProperty("file_name").GetString());
        var reason = first.GetProperty("reasons")[0];
        Assert.Equal(["kind", "instance", "category_id", "value", "severity", "contribution", "text"], reason.EnumerateObject().Select(p => p.Name));
        Assert.Equal("box_mask_disagreement", reason.GetProperty("kind").GetString());
        var noInstance = root.GetProperty("images")[1].GetProperty("reasons")[0];
        Assert.Equal(["kind", "value", "severity", "contribution", "text"], noInstance.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["file_name", "reason"], root.GetProperty("failures")[0].EnumerateObject().Select(p => p.Name));

        await using var stream = File.OpenRead(files.JsonPath);
        var back = await ReviewJson.ReadAsync(stream, "review.json");
        Assert.Equal(document.Images.Count, back.Images.Count);
        Assert.Equal(document.Images.Select(i => (i.Rank, i.FileName, i.Score)), back.Images.Select(i => (i.Rank, i.FileName, i.Score)));
        Assert.Equal(document.Images[0].Reasons, back.Images[0].Reasons);
        Assert.Equal(document.Scoring, back.Scoring);
    }

    [Fact]
    public async Task Review_csv_is_rfc_4180_with_one_row_per_labeled_image()
    {
        var document = Document();
        using var files = await ReviewFiles.WriteAsync(document);

        var bytes = await File.ReadAllBytesAsync(files.CsvPath);
        Assert.False(bytes.AsSpan().StartsWith(Encoding.UTF8.Preamble));
        var rows = ParseCsv(Encoding.UTF8.GetString(bytes));

        Assert.Equal(ReviewCsv.Columns, rows[0]);
        Assert.Equal(1 + document.Images.Count, rows.Count);
        Assert.All(rows, r => Assert.Equal(ReviewCsv.Columns.Count, r.Count));
        Assert.Equal(["1", "b,\"quoted\".png", "1", "10", "10", "1", "0.65", "0", "1", "1", "0", "0"], rows[1][..12]);
        Assert.Equal(string.Join(" | ", document.Images[0].Reasons.Select(r => r.Text)), rows[1][12]);
        Assert.Contains(",", rows[1][12], StringComparison.Ordinal);
        Assert.Equal(["2", "empty.png", "2", "10", "10", "0", "0.6", "0", "0", "0", "0", "1", "no instance found"], rows[2][..13]);
        Assert.Equal("0", rows[^1][6]);
    }

    [Fact]
    public async Task Reading_something_else_names_the_file()
    {
        await using var stream = new MemoryStream("[1, 2]"u8.ToArray());

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => ReviewJson.ReadAsync(stream, "out/review.json"));
        Assert.StartsWith("out/review.json: not a review document", error.Message, StringComparison.Ordinal);
    }

    // The quoted name: box–mask IoU 0 (0.5) and a score at the threshold (0.3), 1 − 0.5 × 0.7 = 0.65; empty.png: no
    // instance, 0.6; fine.png: 0.
    private static ReviewDocument Document()
    {
        var job = ReviewQueueTests.Job();
        var square = Rle.FromBox(new BoundingBox(2, 2, 4, 4), 10, 10);
        var queue = new ReviewQueue(job);
        queue.Add(new ShardResult(job.JobId, 0,
        [
            ReviewQueueTests.Image(1, "b,\"quoted\".png", ReviewQueueTests.Instance(square, new BoundingBox(7, 7, 2, 2), 0.5)),
            ReviewQueueTests.Image(2, "empty.png"),
            ReviewQueueTests.Image(3, "fine.png", ReviewQueueTests.Instance(square, new BoundingBox(2, 2, 4, 4), 0.9)),
            new ImageResult(4, "broken.png", "e", 0, 0, []) { Failure = new ImageFailure(FailureKind.Image, "not an image") },
        ]) { Categories = [new LabelCategory(7, "circle")] });
        return queue.Build();
    }

    // RFC 4180: CRLF rows, quoted fields may hold commas, quotes (doubled) and line breaks.
    private static List<List<string>> ParseCsv(string text)
    {
        var rows = new List<List<string>>();
        var row = new List<string>();
        var field = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                row.Add(field.ToString());
                field.Clear();
            }
            else if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                row.Add(field.ToString());
                field.Clear();
                rows.Add(row);
                row = [];
                i++;
            }
            else if (c is '\r' or '\n')
            {
                Assert.Fail($"bare line break at {i}");
            }
            else
            {
                field.Append(c);
            }
        }

        Assert.Empty(row);
        return rows;
    }
}
