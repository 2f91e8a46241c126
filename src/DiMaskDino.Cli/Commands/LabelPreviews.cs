using DiMaskDino.Coco;
using DiMaskDino.Coco.Masks;
using DiMaskDino.Contracts.Models;
using DiMaskDino.Inference.Images;
using DiMaskDino.Inference.Overlays;
using DiMaskDino.Inference.PostProcessing;
using DiMaskDino.Inference.Runtime;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Storage;
using SixLabors.ImageSharp;

namespace DiMaskDino.Cli.Commands;

/// <summary>
/// <c>--previews</c>: an overlay PNG per labeled image (masks, boxes, class and score) in <c>OUT_DIR/previews/</c>,
/// named after the image's file name + ".png", drawn from the completed job's shard results one shard at a time.
/// Failed images get no preview. Every file is written to a temporary name and renamed.
/// </summary>
/// <remarks><c>only</c> limits the previews to those file names (the review page's top images).</remarks>
internal static class LabelPreviews
{
    public const string Folder = "previews";

    public static async Task<int> WriteAsync(
        IBlobStore store, JobRecord job, string outputFolder, CancellationToken cancellationToken, IReadOnlySet<string>? only = null)
    {
        var jobs = new JobStore(store);
        var loader = new ImageLoader();
        var root = Path.Combine(outputFolder, Folder);
        var written = 0;
        for (var shard = 0; shard < job.ShardCount; shard++)
        {
            var result = await jobs.ReadResultAsync(job.JobId, shard, cancellationToken)
                ?? throw new IOException($"job {job.JobId}: shard {shard} has no result");
            var categories = result.Categories ?? [];
            var renderer = new OverlayRenderer([.. categories.Select((c, i) => new ModelClass(i, c.Id, c.Name))]);
            var indexOf = categories.Select((c, i) => (c.Id, i)).ToDictionary(p => p.Id, p => p.i);
            await Parallel.ForEachAsync(
                result.Images.Where(i => i.Failure is null && (only is null || only.Contains(i.Name[job.Request.ImagesPrefix.Length..]))),
                new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount },
                async (image, ct) =>
                {
                    var content = await store.ReadAsync(JobPaths.Image(image.Name), ct);
                    if (content is null)
                    {
                        return;
                    }

                    var decoded = loader.Load(content.Data.ToMemory());
                    var instances = image.Instances.Select(a => new InstancePrediction(
                        0, indexOf[a.CategoryId], a.Score, a.Score, a.Bbox, a.ToMask(image.Height, image.Width))).ToList();
                    using var overlay = renderer.Render(decoded, instances);
                    var relative = image.Name[job.Request.ImagesPrefix.Length..] + ".png";
                    var file = Path.Combine(root, relative.Replace('/', Path.DirectorySeparatorChar));
                    Directory.CreateDirectory(Path.GetDirectoryName(file)!);
                    var temporary = Path.Combine(Path.GetDirectoryName(file)!, $".{Path.GetFileName(file)}.{Guid.NewGuid():N}.tmp");
                    try
                    {
                        await overlay.SaveAsPngAsync(temporary, ct);
                        File.Move(temporary, file, overwrite: true);
                    }
                    finally
                    {
                        File.Delete(temporary);
                    }

                    Interlocked.Increment(ref written);
                });
        }

        return written;
    }
}
