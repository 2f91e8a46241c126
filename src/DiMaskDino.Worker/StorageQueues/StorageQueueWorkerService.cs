using System.Diagnostics;
using DiMaskDino.Pipeline;
using DiMaskDino.Pipeline.Finalizing;
using DiMaskDino.Pipeline.Processing;
using DiMaskDino.Pipeline.Queues;
using DiMaskDino.Pipeline.Workers;
using DiMaskDino.ServiceDefaults;
using DiMaskDino.Worker.Health;

namespace DiMaskDino.Worker.StorageQueues;

/// <summary>
/// Queue kind <c>StorageQueue</c> (Azurite, low-cost deployments): the pipeline's <see cref="QueueWorker"/> over the
/// shard queue (one shard at a time) and, beside it, over the finalize queue. On stop: no new receive starts; the
/// message in hand may finish within <see cref="WorkerOptions.DrainTimeout"/>, then it is cancelled and abandoned by
/// the queue worker (never completed unfinished). A receive that fails (queue unreachable) is logged, shown in
/// <c>/readyz</c> and retried after <see cref="WorkerOptions.RetryDelay"/>.
/// </summary>
public sealed partial class StorageQueueWorkerService(
    WorkQueues queues,
    PipelineOptions pipeline,
    WorkerOptions options,
    ShardProcessor shards,
    FinalizeHandler finalize,
    ReadinessState readiness,
    ILoggerFactory loggers) : BackgroundService
{
    private readonly ILogger _logger = loggers.CreateLogger<StorageQueueWorkerService>();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        readiness.Expect(queues.Shards.Name);
        readiness.Expect(queues.Finalize.Name);
        LogStarted(_logger, queues.Shards.Name, queues.Finalize.Name);
        using var shardLoop = new Loop(queues.Shards, async (body, ct) => await shards.PrepareAsync(body, ct), prefetch: true);
        using var finalizeLoop = new Loop(queues.Finalize, Plain(finalize.HandleAsync), prefetch: false);
        await using var onStop = stoppingToken.Register(() =>
        {
            readiness.MarkStopping();
            shardLoop.Drain(options.DrainTimeout);
            finalizeLoop.Drain(options.DrainTimeout);
        });
        await Task.WhenAll(RunAsync(shardLoop, stoppingToken), RunAsync(finalizeLoop, stoppingToken));
        LogStopped(_logger);
    }

    private async Task RunAsync(Loop loop, CancellationToken stopping)
    {
        // The shard loop prefetches (the next shard's images download while the current one runs); on stop the
        // prefetched message is discarded and abandoned when the worker is disposed.
        await using var worker = loop.Prefetch
            ? QueueWorker.Prefetching(loop.Queue, loop.Prepare, QueueWorkerOptions.From(pipeline), loggers.CreateLogger<QueueWorker>())
            : new QueueWorker(loop.Queue, (body, ct) => RunPlainAsync(loop.Prepare, body, ct), QueueWorkerOptions.From(pipeline), loggers.CreateLogger<QueueWorker>());
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await worker.ProcessOneAsync(loop.DrainToken);
                readiness.MarkReady(loop.Queue.Name);
            }
            catch (OperationCanceledException) when (loop.DrainToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogReceiveFailed(_logger, loop.Queue.Name, e.Message, e);
                readiness.MarkNotReady(loop.Queue.Name, e.Message);
                try
                {
                    await Task.Delay(options.RetryDelay, stopping);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// One queue's loop state. The queue worker takes one token for receiving and handling, so on stop the token is
    /// cancelled at once while no message is in hand (a receive in progress stops), and only after the drain time
    /// while one is (a message received after that point is abandoned straight away).
    /// </summary>
    private sealed class Loop : IDisposable
    {
        private readonly CancellationTokenSource _drain = new();
        private int _handling;

        public Loop(IWorkQueue queue, Func<BinaryData, CancellationToken, Task<IPreparedMessage>> prepare, bool prefetch)
        {
            Queue = queue;
            Prefetch = prefetch;
            Prepare = async (body, cancellationToken) => new Tracked(this, queue.Name, await prepare(body, cancellationToken));
        }

        public IWorkQueue Queue { get; }

        public bool Prefetch { get; }

        public Func<BinaryData, CancellationToken, Task<IPreparedMessage>> Prepare { get; }

        public CancellationToken DrainToken => _drain.Token;

        public void Drain(TimeSpan grace)
        {
            if (Volatile.Read(ref _handling) == 1)
            {
                _drain.CancelAfter(grace);
            }
            else
            {
                _drain.Cancel();
            }
        }

        public void SetHandling(bool handling) => Interlocked.Exchange(ref _handling, handling ? 1 : 0);

        public void Dispose() => _drain.Dispose();
    }

    /// <summary>A plain handler as a prepare step that does nothing ahead.</summary>
    private static Func<BinaryData, CancellationToken, Task<IPreparedMessage>> Plain(Func<BinaryData, CancellationToken, Task> handler) =>
        (body, _) => Task.FromResult<IPreparedMessage>(new PlainMessage(handler, body));

    private static async Task RunPlainAsync(Func<BinaryData, CancellationToken, Task<IPreparedMessage>> prepare, BinaryData body, CancellationToken cancellationToken)
    {
        await using var prepared = await prepare(body, cancellationToken);
        await prepared.RunAsync(cancellationToken);
    }

    private sealed class PlainMessage(Func<BinaryData, CancellationToken, Task> handler, BinaryData body) : IPreparedMessage
    {
        public Task RunAsync(CancellationToken cancellationToken = default) => handler(body, cancellationToken);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>Marks the loop as handling while the message runs, and counts and traces each run; the queue worker settles it.</summary>
    private sealed class Tracked(Loop loop, string queue, IPreparedMessage inner) : IPreparedMessage
    {
        public async Task RunAsync(CancellationToken cancellationToken = default)
        {
            loop.SetHandling(true);
            var started = Stopwatch.GetTimestamp();
            using var activity = WorkerTelemetry.ActivitySource.StartActivity($"{queue} process", ActivityKind.Consumer);
            activity?.SetTag("messaging.destination.name", queue);
            var outcome = MessageOutcome.Failed;
            try
            {
                await inner.RunAsync(cancellationToken);
                outcome = MessageOutcome.Completed;
            }
            finally
            {
                activity?.SetTag(WorkerTelemetry.OutcomeTag, WorkerTelemetry.Tag(outcome));
                WorkerTelemetry.Record(queue, outcome, Stopwatch.GetElapsedTime(started));
                loop.SetHandling(false);
            }
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Processing Storage queues: shards from {ShardQueue}, finalize from {FinalizeQueue}")]
    private static partial void LogStarted(ILogger logger, string shardQueue, string finalizeQueue);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Storage queue loops stopped")]
    private static partial void LogStopped(ILogger logger);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "Receiving from {Queue} failed, retrying: {Reason}")]
    private static partial void LogReceiveFailed(ILogger logger, string queue, string reason, Exception exception);
}
