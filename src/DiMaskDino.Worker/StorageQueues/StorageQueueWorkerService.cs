using System.Diagnostics;
using DiMaskDino.Pipeline;
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
        using var drain = new CancellationTokenSource();
        await using var onStop = stoppingToken.Register(() =>
        {
            readiness.MarkStopping();
            drain.CancelAfter(options.DrainTimeout);
        });
        readiness.Expect(queues.Shards.Name);
        readiness.Expect(queues.Finalize.Name);
        LogStarted(_logger, queues.Shards.Name, queues.Finalize.Name);
        await Task.WhenAll(
            RunAsync(queues.Shards, shards.ProcessAsync, stoppingToken, drain.Token),
            RunAsync(queues.Finalize, finalize.HandleAsync, stoppingToken, drain.Token));
        LogStopped(_logger);
    }

    private async Task RunAsync(IWorkQueue queue, Func<BinaryData, CancellationToken, Task> handler, CancellationToken stopping, CancellationToken drain)
    {
        var worker = new QueueWorker(queue, Instrumented(queue.Name, handler), QueueWorkerOptions.From(pipeline), loggers.CreateLogger<QueueWorker>());
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await worker.ProcessOneAsync(drain);
                readiness.MarkReady(queue.Name);
            }
            catch (OperationCanceledException) when (drain.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogReceiveFailed(_logger, queue.Name, e.Message, e);
                readiness.MarkNotReady(queue.Name, e.Message);
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

    /// <summary>Counts and traces each message; the queue worker settles it.</summary>
    private static Func<BinaryData, CancellationToken, Task> Instrumented(string queue, Func<BinaryData, CancellationToken, Task> handler) =>
        async (body, cancellationToken) =>
        {
            var started = Stopwatch.GetTimestamp();
            using var activity = WorkerTelemetry.ActivitySource.StartActivity($"{queue} process", ActivityKind.Consumer);
            activity?.SetTag("messaging.destination.name", queue);
            var outcome = MessageOutcome.Failed;
            try
            {
                await handler(body, cancellationToken);
                outcome = MessageOutcome.Completed;
            }
            finally
            {
                activity?.SetTag(WorkerTelemetry.OutcomeTag, WorkerTelemetry.Tag(outcome));
                WorkerTelemetry.Record(queue, outcome, Stopwatch.GetElapsedTime(started));
            }
        };

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Processing Storage queues: shards from {ShardQueue}, finalize from {FinalizeQueue}")]
    private static partial void LogStarted(ILogger logger, string shardQueue, string finalizeQueue);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Storage queue loops stopped")]
    private static partial void LogStopped(ILogger logger);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "Receiving from {Queue} failed, retrying: {Reason}")]
    private static partial void LogReceiveFailed(ILogger logger, string queue, string reason, Exception exception);
}
