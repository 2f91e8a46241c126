using DiMaskDino.Cli.Review;
using DiMaskDino.Hosting;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Review;
using DiMaskDino.Pipeline.Storage;

namespace DiMaskDino.Cli.Commands;

/// <summary>
/// The review queue in OUT_DIR (docs/review.md): review.json and review.csv as the finalizer wrote them to the job's
/// labels folder (for a job finalized before the queue existed, built now from its shard results by the same
/// <see cref="ReviewQueue"/>), and review.html with the first <c>--review-top</c> images and their overlays (drawn
/// here for those images unless <c>--previews</c> drew them all). Each file goes to a temporary name and is renamed.
/// </summary>
internal static class LabelReview
{
    public const int DefaultTop = 100;

    public static void Validate(int top)
    {
        if (top is < 0 or > 100_000)
        {
            throw new CliInputException($"--review-top must be 0-100000, got {top}");
        }
    }

    /// <returns>The queue that was written.</returns>
    public static async Task<ReviewDocument> WriteAsync(
        IBlobStore store, JobRecord job, string outputFolder, int top, bool previewsDrawn, CancellationToken cancellationToken)
    {
        var json = Path.Combine(outputFolder, ReviewJson.FileName);
        var csv = Path.Combine(outputFolder, ReviewCsv.FileName);
        var jsonBlob = JobPaths.Output(job.Request.Dataset, job.JobId, ReviewJson.FileName);
        ReviewDocument document;
        if (await store.GetPropertiesAsync(jsonBlob, cancellationToken) is not null)
        {
            await LabelExport.CopyAsync(store, jsonBlob, json, null, cancellationToken);
            await LabelExport.CopyAsync(store, JobPaths.Output(job.Request.Dataset, job.JobId, ReviewCsv.FileName), csv, null, cancellationToken);
            await using var stream = File.OpenRead(json);
            document = await ReviewJson.ReadAsync(stream, json, cancellationToken);
        }
        else
        {
            document = await BuildAsync(store, job, cancellationToken);
            await WriteFileAsync(json, s => ReviewJson.WriteAsync(document, s, cancellationToken), cancellationToken);
            await WriteFileAsync(csv, s => ReviewCsv.WriteAsync(document, s, cancellationToken), cancellationToken);
        }

        if (top > 0)
        {
            if (!previewsDrawn)
            {
                var shown = document.Images.Take(top).Select(i => i.FileName).ToHashSet(StringComparer.Ordinal);
                await LabelPreviews.WriteAsync(store, job, outputFolder, cancellationToken, only: shown);
            }

            var page = ReviewPage.Render(document, top);
            await WriteFileAsync(Path.Combine(outputFolder, ReviewPage.FileName), s => s.WriteAsync(System.Text.Encoding.UTF8.GetBytes(page), cancellationToken).AsTask(), cancellationToken);
        }

        return document;
    }

    private static async Task<ReviewDocument> BuildAsync(IBlobStore store, JobRecord job, CancellationToken cancellationToken)
    {
        var jobs = new JobStore(store);
        var queue = new ReviewQueue(job);
        for (var shard = 0; shard < job.ShardCount; shard++)
        {
            queue.Add(await jobs.ReadResultAsync(job.JobId, shard, cancellationToken)
                ?? throw new IOException($"job {job.JobId}: shard {shard} has no result"));
        }

        return queue.Build();
    }

    private static async Task WriteFileAsync(string file, Func<Stream, Task> write, CancellationToken cancellationToken)
    {
        var temporary = Path.Combine(Path.GetDirectoryName(file)!, $".{Path.GetFileName(file)}.{Guid.NewGuid():N}.tmp");
        try
        {
            await using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            {
                await write(stream);
            }

            cancellationToken.ThrowIfCancellationRequested();
            File.Move(temporary, file, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
