using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json;
using DiMaskDino.Inference.Batching;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Queues;
using DiMaskDino.Pipeline.Storage;
using Microsoft.Extensions.Logging;

namespace DiMaskDino.Pipeline.Processing;

/// <summary>
/// Handles one shard message: <c>results/{n}.json</c> from <c>shards/{n}.json</c>. Carried images get their base
/// job's result copied; the others are downloaded (at most <see cref="PipelineOptions.DownloadParallelism"/> ahead) and
/// labeled by the job's model through <see cref="BatchPredictor"/>. <see cref="PrepareAsync"/> (reads, downloads in the
/// background) and <see cref="PreparedShard.RunAsync"/> (labels, writes) are separate so a prefetching
/// <see cref="Workers.QueueWorker"/> can download the next shard while this one runs. The result is written first-writer-wins, so a
/// duplicate delivery or a worker that was presumed dead cannot change it; then <see cref="FinalizeTrigger"/> runs.
/// </summary>
/// <remarks>
/// A bad or vanished image is a per-image failure. An exception out of <see cref="ProcessAsync"/> means the shard
/// failed and nothing was written (the message should be retried): storage errors, a model that cannot be loaded, a
/// manifest that is missing, malformed or names an image outside the images container. Messages of a cancelled or
/// already completed job are accepted without work.
/// </remarks>
public sealed partial class ShardProcessor(
    JobStore store, ModelCache models, FinalizeTrigger trigger, PipelineOptions options, ILogger<ShardProcessor> logger, IPipelineObserver? observer = null)
{
    private readonly IPipelineObserver _observer = observer ?? NullObserver.Instance;

    /// <summary>Prepares and runs one shard message (see <see cref="PrepareAsync"/> and <see cref="PreparedShard.RunAsync"/>).</summary>
    public async Task ProcessAsync(BinaryData messageBody, CancellationToken cancellationToken)
    {
        await using var prepared = await PrepareAsync(messageBody, cancellationToken);
        await prepared.RunAsync(cancellationToken);
    }

    /// <summary>
    /// The read-only part of a shard message: reads the job, the manifest and the carried results and starts the
    /// downloads of the images to label (they run on in the background, cancelled by <paramref name="cancellationToken"/>
    /// or by disposing the result). Writes nothing, so a prepared shard whose message is then lost costs only reads.
    /// </summary>
    public async Task<PreparedShard> PrepareAsync(BinaryData messageBody, CancellationToken cancellationToken)
    {
        var message = PoisonMessageException.Parse(messageBody, PipelineJsonContext.Default.ShardMessage, "shard message");
        var job = await store.RequireJobAsync(message.JobId, cancellationToken);
        if (job.State is JobState.Cancelled or JobState.Completed or JobState.Failed)
        {
            return new PreparedShard(this, job, message.Shard, work: null);
        }

        if (message.Shard < 0 || message.Shard >= job.ShardCount)
        {
            throw new InvalidDataException($"job {job.JobId} has {job.ShardCount} shards, the message names shard {message.Shard}");
        }

        if (await store.Blobs.GetPropertiesAsync(JobPaths.Result(job.JobId, message.Shard), cancellationToken) is not null)
        {
            return new PreparedShard(this, job, message.Shard, work: null);
        }

        var manifest = await store.RequireManifestAsync(job.JobId, message.Shard, cancellationToken);
        if (manifest.JobId != job.JobId || manifest.Shard != message.Shard)
        {
            throw new InvalidDataException($"{JobPaths.Shard(job.JobId, message.Shard)} is the manifest of job {manifest.JobId} shard {manifest.Shard}");
        }

        var results = new ImageResult?[manifest.Images.Count];
        var categories = await CopyCarriedAsync(job, manifest, results, cancellationToken);
        foreach (var (image, index) in manifest.Images.Select((image, index) => (image, index)).Where(p => p.image.Problem is not null && results[p.index] is null))
        {
            results[index] = Failed(image, image.ETag, image.Problem!);
        }

        var paths = manifest.Images.Select(i => i.Problem is null ? ImagePath(manifest, i) : default).ToArray();
        var toLabel = Enumerable.Range(0, results.Length).Where(i => results[i] is null).ToArray();
        var downloads = toLabel.Length == 0
            ? null
            : new ShardDownloads(
                store.Blobs, toLabel.Select(i => (i, paths[i], manifest.Images[i].Length)), options.DownloadParallelism, options.PrefetchBytes, options.ImageReadTimeout,
                cancellationToken);
        return new PreparedShard(this, job, message.Shard, new ShardWork(manifest, results, categories, toLabel, downloads));
    }

    /// <summary>The writing part: labels the downloaded images, writes the result first-writer-wins, triggers finalization.</summary>
    internal async Task RunAsync(PreparedShard prepared, CancellationToken cancellationToken)
    {
        var job = prepared.Job;
        if (!prepared.IsActive)
        {
            LogSkipped(logger, job.JobId, prepared.Shard, job.State);
            return;
        }

        if (prepared.Work is { } work)
        {
            await LabelAsync(job, work, cancellationToken);
        }

        await trigger.CheckAsync(job, cancellationToken);
    }

    private async Task LabelAsync(JobRecord job, ShardWork work, CancellationToken cancellationToken)
    {
        var (manifest, results, categories, toLabel, downloads) = work;
        var shard = manifest.Shard;
        LogStarted(logger, job.JobId, shard, manifest.Images.Count);
        _observer.ShardStarted(job.JobId, shard, manifest.Images.Count);
        foreach (var (image, index) in manifest.Images.Select((image, index) => (image, index)).Where(p => p.image.CarriedFrom is not null || p.image.Problem is not null))
        {
            _observer.ImageFinished(job.JobId, shard, image.Name, results[index]!.Failure?.Reason);
        }

        if (downloads is not null)
        {
            // A job with ground truth keeps every official instance for the evaluation, so the model runs with no score threshold.
            var thresholds = job.Request.Thresholds;
            var evaluate = job.Request.GroundTruth is not null;
            var predictor = await models.GetAsync(job.Request.Model, evaluate ? thresholds with { ScoreThreshold = 0 } : thresholds, cancellationToken);
            var labeler = new InstanceResults(thresholds, predictor.Model, evaluate);
            categories = [.. predictor.Model.Classes.Select(c => new LabelCategory(c.Id, c.Name))];
            var unread = new ConcurrentDictionary<int, string>();
            await foreach (var outcome in predictor.PredictAsync(InputsAsync(downloads, unread, cancellationToken), cancellationToken))
            {
                var (index, etag) = outcome.Tag;
                results[index] = outcome.FailureReason is { } reason
                    ? Failed(manifest.Images[index], etag, reason)
                    : labeler.ToResult(manifest.Images[index], etag, outcome);
                _observer.ImageFinished(job.JobId, shard, manifest.Images[index].Name, outcome.FailureReason);
            }

            foreach (var index in toLabel.Where(i => results[i] is null))
            {
                var image = manifest.Images[index];
                results[index] = Failed(image, image.ETag, unread.GetValueOrDefault(index, "the image was not read"));
                _observer.ImageFinished(job.JobId, shard, image.Name, results[index]!.Failure!.Reason);
            }
        }

        var result = new ShardResult(job.JobId, shard, results!) { Categories = categories };
        var written = await store.WriteResultAsync(result, cancellationToken);
        var failed = results.Count(r => r!.Failure is not null);
        LogFinished(logger, job.JobId, shard, results.Length - failed, failed, written);
        _observer.ShardFinished(job.JobId, shard, results.Length - failed, failed, written);
    }

    /// <summary>Fills the carried images' results from their base shards (a few results files at most, read once each).</summary>
    private async Task<IReadOnlyList<LabelCategory>?> CopyCarriedAsync(
        JobRecord job, ShardManifest manifest, ImageResult?[] results, CancellationToken cancellationToken)
    {
        IReadOnlyList<LabelCategory>? categories = null;
        foreach (var group in manifest.Images.Select((image, index) => (image, index)).Where(p => p.image.CarriedFrom is not null).GroupBy(p => p.image.CarriedFrom!))
        {
            var source = await store.ReadResultAsync(group.Key.JobId, group.Key.Shard, cancellationToken)
                ?? throw new InvalidDataException($"job {job.JobId} shard {manifest.Shard}: carried results {JobPaths.Result(group.Key)} do not exist");
            categories ??= source.Categories;
            var byId = source.Images.ToDictionary(i => i.Id);
            foreach (var (image, index) in group)
            {
                if (!byId.TryGetValue(image.Id, out var previous) || previous.Name != image.Name)
                {
                    throw new InvalidDataException($"job {job.JobId} shard {manifest.Shard}: image {image.Id} \"{image.Name}\" is not in {JobPaths.Result(group.Key)}");
                }

                results[index] = previous;
            }
        }

        return categories;
    }

    /// <summary>The downloaded images tagged with their manifest index and the ETag read; the failed downloads go to <paramref name="unread"/>.</summary>
    private static async IAsyncEnumerable<ImageInput<DownloadedImage>> InputsAsync(
        ShardDownloads downloads, ConcurrentDictionary<int, string> unread, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var (index, content, failure) in downloads.ReadAllAsync(cancellationToken))
        {
            if (content is null)
            {
                unread[index] = failure!;
                continue;
            }

            yield return new ImageInput<DownloadedImage>(new DownloadedImage(index, content.ETag), content.Data.ToMemory());
        }
    }

    private static BlobPath ImagePath(ShardManifest manifest, ManifestImage image)
    {
        try
        {
            return JobPaths.Image(image.Name);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"job {manifest.JobId} shard {manifest.Shard} lists image {image.Id} with an unsafe name: {e.Message}", e);
        }
    }

    private static ImageResult Failed(ManifestImage image, string etag, string reason) =>
        new(image.Id, image.Name, etag, 0, 0, []) { Failure = new ImageFailure(FailureKind.Image, reason) };

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Job {JobId} shard {Shard} started: {Images} images")]
    private static partial void LogStarted(ILogger logger, string jobId, int shard, int images);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Job {JobId} shard {Shard} finished: {Labeled} labeled, {Failed} failed, result written: {Written}")]
    private static partial void LogFinished(ILogger logger, string jobId, int shard, int labeled, int failed, bool written);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Job {JobId} shard {Shard} skipped: the job is {State}")]
    private static partial void LogSkipped(ILogger logger, string jobId, int shard, JobState state);
}

/// <summary>The observer that observes nothing.</summary>
internal sealed class NullObserver : IPipelineObserver
{
    public static NullObserver Instance { get; } = new();
}
