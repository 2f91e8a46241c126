using System.Globalization;
using System.Text;

namespace DiMaskDino.Pipeline.Review;

/// <summary>
/// review.csv: the ranked images of a <see cref="ReviewDocument"/> for a spreadsheet, RFC 4180 (comma, CRLF, fields
/// with a comma, quote or line break quoted, quotes doubled), UTF-8 without BOM. Columns: rank, file_name, image_id,
/// width, height, instances, score, then the number of times each reason was found in the image (one column per
/// <see cref="ReviewReasonKind"/>), then the reasons' texts joined by " | ". Failures are not rows: they are in
/// review.json and failures.json.
/// </summary>
public static class ReviewCsv
{
    public const string FileName = "review.csv";

    /// <summary>The header row's column names.</summary>
    public static IReadOnlyList<string> Columns { get; } =
    [
        "rank", "file_name", "image_id", "width", "height", "instances", "score",
        "low_class_margin", "near_threshold", "box_mask_disagreement", "many_parts", "no_instance", "reasons",
    ];

    public static async Task WriteAsync(ReviewDocument document, Stream stream, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(document);
        await using var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 1 << 16, leaveOpen: true) { NewLine = "\r\n" };
        await writer.WriteLineAsync(string.Join(',', Columns));
        var kinds = Enum.GetValues<ReviewReasonKind>();
        var fields = new string[Columns.Count];
        foreach (var image in document.Images)
        {
            cancellationToken.ThrowIfCancellationRequested();
            fields[0] = Number(image.Rank);
            fields[1] = Quote(image.FileName);
            fields[2] = Number(image.ImageId);
            fields[3] = Number(image.Width);
            fields[4] = Number(image.Height);
            fields[5] = Number(image.Instances);
            fields[6] = image.Score.ToString("R", CultureInfo.InvariantCulture);
            for (int k = 0; k < kinds.Length; k++)
            {
                fields[7 + k] = Number(image.Reasons.Count(r => r.Kind == kinds[k]));
            }

            fields[^1] = Quote(string.Join(" | ", image.Reasons.Select(r => r.Text)));
            await writer.WriteLineAsync(string.Join(',', fields));
        }
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Quote(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") < 0 ? field : "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
