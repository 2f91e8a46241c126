namespace DiMaskDino.Pipeline.Review;

/// <summary>review.json and review.csv of a document, written to a temporary folder of their own (deleted on dispose).</summary>
public sealed class ReviewFiles : IDisposable
{
    private readonly string _folder;

    private ReviewFiles(string folder) => _folder = folder;

    public string JsonPath => Path.Combine(_folder, ReviewJson.FileName);

    public string CsvPath => Path.Combine(_folder, ReviewCsv.FileName);

    public static async Task<ReviewFiles> WriteAsync(ReviewDocument document, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(document);
        var files = new ReviewFiles(Directory.CreateTempSubdirectory("dimaskdino-review-").FullName);
        try
        {
            await using (var json = File.Create(files.JsonPath))
            {
                await ReviewJson.WriteAsync(document, json, cancellationToken);
            }

            await using (var csv = File.Create(files.CsvPath))
            {
                await ReviewCsv.WriteAsync(document, csv, cancellationToken);
            }

            return files;
        }
        catch
        {
            files.Dispose();
            throw;
        }
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
