// Image bytes → instances for a stream of images: decode + the model's input transform, batched ONNX Runtime runs,
// post-processing, as three pipelined stages joined by bounded channels.

using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using DiMaskDino.Contracts.Models;
using DiMaskDino.Inference.Images;
using DiMaskDino.Inference.PostProcessing;
using DiMaskDino.Inference.Runtime;
using DiMaskDino.Inference.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiMaskDino.Inference.Batching;

/// <summary>
/// Labels a stream of images with one <see cref="ModelSession"/>: decode and input transform (in parallel) of batch n+1
/// overlap the ONNX Runtime run of batch n, and post-processing (in parallel) of batch n−1 overlaps both. Outcomes
/// come back in input order, one per input; a bad image is a per-image failure with a reason, never an exception.
/// </summary>
/// <remarks>
/// <para>Stages: prepare (pulls up to <see cref="BatchPredictorOptions.BatchSize"/> inputs, decodes them and applies
/// the model's input transform, see <see cref="ModelInputTransform"/>, then groups them by input size into pooled
/// [n, 3, H, W] buffers) → infer (one ORT run per group, one at a time per predictor) → post-process (§10 per image)
/// → the caller. With the letterbox every image has the model's canvas, so a batch is one run; with the official
/// resize each image keeps its own padded size, and only images of equal padded size share a run (a fixed-size graph
/// takes only images whose padded size is its own; the others fail with the reason, never padded further). Each
/// channel holds one batch, so at most about seven batches are in flight whatever the input length: memory does not
/// grow with the input, and inputs are pulled only as fast as outcomes are consumed.</para>
/// <para>Errors: an exception out of <see cref="PredictAsync"/> means the run itself failed (the input sequence
/// threw, ORT failed, or cancellation); the stage that failed first is the one reported. Stopping early (break,
/// dispose, cancellation) cancels every stage, terminates an ORT run in flight, and returns every pooled buffer.</para>
/// <para>Thread-safe: several callers may run <see cref="PredictAsync"/> at once; their ORT runs take turns.</para>
/// </remarks>
public sealed partial class BatchPredictor
{
    private readonly ModelSession _session;
    private readonly BatchPredictorOptions _options;
    private readonly ILogger _logger;
    private readonly ImageLoader _loader;
    private readonly IInputTransform _transform;
    private readonly InstancePostProcessor _postProcessor;
    private readonly SemaphoreSlim _runGate = new(1, 1);
    private readonly KeyValuePair<string, object?> _providerTag;

    public BatchPredictor(ModelSession session, BatchPredictorOptions options, ILogger<BatchPredictor>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _session = session;
        _options = options;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        var model = session.Metadata;
        _loader = new ImageLoader(options.MaxPixels);
        _transform = ModelInputTransform.For(model, options.ResizeShortEdge, options.ResizeMaxSize);
        _postProcessor = new InstancePostProcessor(options.PostProcessing);
        _providerTag = new(InferenceTelemetry.ProviderTag, InferenceTelemetry.TagValue(session.Provider));
    }

    public ModelMetadata Model => _session.Metadata;

    /// <summary>Pooled buffers and ORT outputs currently held by this predictor's batches (0 when no run is active).</summary>
    internal PooledResources Resources { get; } = new();

    /// <summary>Labels <paramref name="images"/>, yielding exactly one outcome per input, in input order.</summary>
    /// <remarks>The input sequence is enumerated once, on a background task, a few batches ahead of the consumer.</remarks>
    public IAsyncEnumerable<ImageOutcome<TTag>> PredictAsync<TTag>(IAsyncEnumerable<ImageInput<TTag>> images, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        return RunPipelineAsync(images, cancellationToken);
    }

    private async IAsyncEnumerable<ImageOutcome<TTag>> RunPipelineAsync<TTag>(
        IAsyncEnumerable<ImageInput<TTag>> images, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var prepared = NewChannel<TTag>();
        var inferred = NewChannel<TTag>();
        var finished = NewChannel<TTag>();
        Task[] stages =
        [
            Task.Run(() => StageAsync(ct => PrepareAsync(images, prepared.Writer, ct), prepared.Writer, stop), CancellationToken.None),
            Task.Run(() => StageAsync(ct => InferAsync(prepared.Reader, inferred.Writer, ct), inferred.Writer, stop), CancellationToken.None),
            Task.Run(() => StageAsync(ct => PostProcessAsync(inferred.Reader, finished.Writer, ct), finished.Writer, stop), CancellationToken.None),
        ];
        try
        {
            while (await NextAsync(finished.Reader, stages, cancellationToken, stop.Token) is { } batch)
            {
                foreach (var outcome in batch.Outcomes!)
                {
                    yield return outcome;
                }
            }
        }
        finally
        {
            // Normal end, early stop or failure: stop every stage, wait until none runs, then release whatever is
            // still queued. Stage exceptions were already reported by NextAsync, or the caller stopped listening.
            await stop.CancelAsync();
            await Task.WhenAll(stages).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            foreach (var channel in (Channel<PendingBatch<TTag>>[])[prepared, inferred, finished])
            {
                while (channel.Reader.TryRead(out var left))
                {
                    left.Dispose();
                }
            }
        }
    }

    private static Channel<PendingBatch<TTag>> NewChannel<TTag>() => Channel.CreateBounded<PendingBatch<TTag>>(
        new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });

    /// <summary>Runs one stage; on failure completes its output with the exception and stops the others.</summary>
    private static async Task StageAsync<TTag>(Func<CancellationToken, Task> body, ChannelWriter<PendingBatch<TTag>> output, CancellationTokenSource stop)
    {
        try
        {
            await body(stop.Token);
            output.TryComplete();
        }
        catch (Exception e)
        {
            output.TryComplete(e);
            await stop.CancelAsync();
            throw;
        }
    }

    /// <summary>The next finished batch, or null at the end; rethrows the failure of the first stage that failed.</summary>
    private static async Task<PendingBatch<TTag>?> NextAsync<TTag>(
        ChannelReader<PendingBatch<TTag>> reader, Task[] stages, CancellationToken caller, CancellationToken stop)
    {
        try
        {
            if (await reader.WaitToReadAsync(stop) && reader.TryRead(out var batch))
            {
                return batch;
            }
        }
        catch (Exception)
        {
            // The caller cancelled, or a stage failed (its exception, or the cancellation it caused, reached this
            // channel): both are reported below, cancellation with the caller's own token.
        }

        caller.ThrowIfCancellationRequested();
        await Task.WhenAll(stages).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (stages.FirstOrDefault(s => s.IsFaulted) is { } faulted)
        {
            ExceptionDispatchInfo.Throw(faulted.Exception!.InnerException!);
        }

        // Only cancellations left: something inside a stage (e.g. the input sequence) cancelled itself.
        if (stages.FirstOrDefault(s => s.IsCanceled) is { } cancelled)
        {
            await cancelled;
        }

        return null;
    }

    private async Task PrepareAsync<TTag>(IAsyncEnumerable<ImageInput<TTag>> images, ChannelWriter<PendingBatch<TTag>> output, CancellationToken cancellationToken)
    {
        await using var enumerator = images.GetAsyncEnumerator(cancellationToken);
        var more = true;
        while (more)
        {
            var batch = new PendingBatch<TTag>(_options.BatchSize, Resources);
            try
            {
                while (batch.Count < _options.BatchSize && (more = await enumerator.MoveNextAsync()))
                {
                    batch.Add(enumerator.Current ?? throw new InvalidOperationException("the input sequence yielded a null ImageInput"));
                }

                if (batch.Count == 0)
                {
                    return;
                }

                Decode(batch, cancellationToken);
                await output.WriteAsync(batch, cancellationToken);
            }
            catch
            {
                batch.Dispose();
                throw;
            }
        }
    }

    /// <summary>Decodes and transforms the batch in parallel, one pooled buffer per image, then groups the images by input size.</summary>
    private void Decode<TTag>(PendingBatch<TTag> batch, CancellationToken cancellationToken)
    {
        var model = _session.Metadata;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.DecodeParallelism, CancellationToken = cancellationToken };
        Run(() => Parallel.For(0, batch.Count, parallel, i =>
        {
            var item = batch.Items[i];
            try
            {
                var image = _loader.Load(item.Input!.Bytes);
                var geometry = _transform.Fit(image.Height, image.Width);
                if (ModelInputTransform.Mismatch(model, geometry) is { } mismatch)
                {
                    item.FailureReason = mismatch;
                    item.FailureKind = ImageRejectionReason.Unsupported;
                    return;
                }

                int length = 3 * geometry.CanvasHeight * geometry.CanvasWidth;
                item.Geometry = _transform.Apply(image, batch.RentImage(item, length).AsSpan(0, length));
            }
            catch (ImageRejectedException e)
            {
                item.FailureReason = e.Message.ReplaceLineEndings(" ");
                item.FailureKind = e.Reason;
            }
            finally
            {
                item.Input = null;
            }
        }));

        batch.GroupPrepared();
    }

    private async Task InferAsync<TTag>(ChannelReader<PendingBatch<TTag>> input, ChannelWriter<PendingBatch<TTag>> output, CancellationToken cancellationToken)
    {
        await foreach (var batch in input.ReadAllAsync(cancellationToken))
        {
            try
            {
                foreach (var group in batch.Groups)
                {
                    await _runGate.WaitAsync(cancellationToken);
                    try
                    {
                        using var activity = InferenceTelemetry.ActivitySource.StartActivity(InferenceTelemetry.BatchActivity);
                        activity?.SetTag(_providerTag.Key, _providerTag.Value);
                        activity?.SetTag(InferenceTelemetry.BatchSizeTag, group.Count);
                        long start = Stopwatch.GetTimestamp();
                        var images = group.Input.AsMemory(0, group.Count * group.ImageLength);
                        batch.SetOutputs(group, _session.Run(images, group.Count, group.Height, group.Width, cancellationToken));
                        var elapsed = Stopwatch.GetElapsedTime(start);
                        InferenceTelemetry.BatchDuration.Record(elapsed.TotalSeconds, _providerTag);
                        LogBatch(_logger, group.Count, group.Height, group.Width, batch.Count - batch.Decoded, elapsed.TotalMilliseconds);
                    }
                    finally
                    {
                        _runGate.Release();
                    }
                }

                batch.ReturnInputs();
                await output.WriteAsync(batch, cancellationToken);
            }
            catch
            {
                batch.Dispose();
                throw;
            }
        }
    }

    private async Task PostProcessAsync<TTag>(ChannelReader<PendingBatch<TTag>> input, ChannelWriter<PendingBatch<TTag>> output, CancellationToken cancellationToken)
    {
        var model = _session.Metadata;
        int queries = model.NumQueries, classes = model.NumClasses;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.DecodeParallelism, CancellationToken = cancellationToken };
        await foreach (var batch in input.ReadAllAsync(cancellationToken))
        {
            try
            {
                var outcomes = new ImageOutcome<TTag>[batch.Count];
                Run(() => Parallel.For(0, batch.Count, parallel, i =>
                {
                    var item = batch.Items[i];
                    if (item.FailureReason is { } reason)
                    {
                        outcomes[i] = ImageOutcome<TTag>.Failure(item.Tag, reason);
                        return;
                    }

                    var group = batch.Groups[item.Group];
                    var outputs = group.Outputs!;
                    int slot = item.Slot, maskHeight = group.Height / 4, maskWidth = group.Width / 4, plane = maskHeight * maskWidth;
                    var instances = _postProcessor.Process(
                        outputs.Logits.Slice(slot * queries * classes, queries * classes),
                        outputs.Boxes.Slice(slot * queries * 4, queries * 4),
                        outputs.Masks.Slice(slot * queries * plane, queries * plane),
                        classes, maskHeight, maskWidth, item.Geometry);
                    outcomes[i] = new ImageOutcome<TTag>(item.Tag, item.Geometry.OriginalWidth, item.Geometry.OriginalHeight, instances, null);
                }));
                batch.DisposeOutputs();
                batch.Outcomes = outcomes;
                Record(batch);
                await output.WriteAsync(batch, cancellationToken);
            }
            catch
            {
                batch.Dispose();
                throw;
            }
        }
    }

    private void Record<TTag>(PendingBatch<TTag> batch)
    {
        if (batch.Decoded > 0)
        {
            InferenceTelemetry.Images.Add(batch.Decoded, _providerTag, new(InferenceTelemetry.OutcomeTag, "succeeded"));
        }

        foreach (var item in batch.Items.AsSpan(0, batch.Count))
        {
            if (item.FailureReason is not null)
            {
                InferenceTelemetry.Images.Add(1, _providerTag, new(InferenceTelemetry.OutcomeTag, "failed"));
                InferenceTelemetry.Failures.Add(1, _providerTag, new(InferenceTelemetry.FailureReasonTag, TagValue(item.FailureKind)));
            }
        }
    }

    private static string TagValue(ImageRejectionReason reason) => reason switch
    {
        ImageRejectionReason.Empty => "empty",
        ImageRejectionReason.UnknownFormat => "unknown_format",
        ImageRejectionReason.TooLarge => "too_large",
        ImageRejectionReason.Corrupt => "corrupt",
        ImageRejectionReason.Unsupported => "unsupported",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };

    /// <summary>Runs a Parallel loop and rethrows its first real exception instead of an AggregateException.</summary>
    private static void Run(Action loop)
    {
        try
        {
            loop();
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
        }
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Debug, Message = "ONNX Runtime ran a batch of {Images} images of {Height}x{Width} ({Rejected} of the batch rejected before the run) in {Milliseconds:F1} ms")]
    private static partial void LogBatch(ILogger logger, int images, int height, int width, int rejected, double milliseconds);
}
