using Azure.Messaging.ServiceBus;
using DiMaskDino.Pipeline;
using DiMaskDino.Pipeline.Finalizing;
using DiMaskDino.Pipeline.Processing;
using DiMaskDino.Worker.Health;

namespace DiMaskDino.Worker.ServiceBus;

/// <summary>
/// Queue kind <c>ServiceBus</c>: one <see cref="ServiceBusProcessor"/> per queue, auto-complete off
/// (<see cref="ServiceBusMessageHandler"/> settles), locks renewed for up to <see cref="WorkerOptions.MaxShardDuration"/>.
/// Shards: two concurrent calls and no broker prefetch — the second call downloads the next shard's images while the
/// first runs the model, and <see cref="OneShardAtATime"/> keeps the model to one shard at a time (one GPU). A message in
/// the processor's prefetch buffer would not be lock-renewed, so a long shard could expire its lock and count a
/// delivery against it; a second concurrent call is renewed like the first. Finalize messages run beside them on the
/// CPU, one at a time. On stop: receiving stops, the messages in hand may finish within
/// <see cref="WorkerOptions.DrainTimeout"/>, then they are cancelled and abandoned.
/// </summary>
public sealed partial class ServiceBusWorkerService(
    ServiceBusClient client,
    PipelineOptions pipeline,
    WorkerOptions options,
    ShardProcessor shards,
    FinalizeHandler finalize,
    ReadinessState readiness,
    ILoggerFactory loggers) : BackgroundService
{
    private readonly ILogger _logger = loggers.CreateLogger<ServiceBusWorkerService>();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var drain = new CancellationTokenSource();
        readiness.Expect(pipeline.ShardQueue);
        readiness.Expect(pipeline.FinalizeQueue);
        using var oneShardAtATime = new OneShardAtATime(async (body, token) => await shards.PrepareAsync(body, token));
        await using var shardProcessor = client.CreateProcessor(pipeline.ShardQueue, ProcessorOptions(concurrentCalls: 2));
        await using var finalizeProcessor = client.CreateProcessor(pipeline.FinalizeQueue, ProcessorOptions(concurrentCalls: 1));
        Wire(shardProcessor, new ServiceBusMessageHandler(pipeline.ShardQueue, oneShardAtATime.ProcessAsync, pipeline.MaxDeliveryCount, Logger()), drain.Token);
        Wire(finalizeProcessor, new ServiceBusMessageHandler(pipeline.FinalizeQueue, finalize.HandleAsync, pipeline.MaxDeliveryCount, Logger()), drain.Token);

        await shardProcessor.StartProcessingAsync(stoppingToken);
        await finalizeProcessor.StartProcessingAsync(stoppingToken);
        readiness.MarkReady(pipeline.ShardQueue);
        readiness.MarkReady(pipeline.FinalizeQueue);
        LogStarted(_logger, client.FullyQualifiedNamespace, pipeline.ShardQueue, pipeline.FinalizeQueue);
        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // SIGTERM: stop below
        }

        readiness.MarkStopping();
        drain.CancelAfter(options.DrainTimeout);
        await Task.WhenAll(shardProcessor.StopProcessingAsync(CancellationToken.None), finalizeProcessor.StopProcessingAsync(CancellationToken.None));
        LogStopped(_logger);
    }

    /// <summary>The processor settings for a queue (public for tests).</summary>
    public ServiceBusProcessorOptions ProcessorOptions(int concurrentCalls) => new()
    {
        AutoCompleteMessages = false,
        MaxConcurrentCalls = concurrentCalls,
        PrefetchCount = 0,
        MaxAutoLockRenewalDuration = options.MaxShardDuration,
        ReceiveMode = ServiceBusReceiveMode.PeekLock,
    };

    private ILogger<ServiceBusMessageHandler> Logger() => loggers.CreateLogger<ServiceBusMessageHandler>();

    private void Wire(ServiceBusProcessor processor, ServiceBusMessageHandler handler, CancellationToken drain)
    {
        processor.ProcessMessageAsync += async args =>
        {
            await handler.HandleAsync(args, drain);
            readiness.MarkReady(handler.Queue);
        };
        processor.ProcessErrorAsync += args =>
        {
            // Receive/settle errors the processor retries by itself; an unreachable or unauthorized queue shows in /readyz.
            LogProcessorError(_logger, handler.Queue, args.ErrorSource.ToString(), args.Exception.Message, args.Exception);
            if (args.ErrorSource is ServiceBusErrorSource.Receive or ServiceBusErrorSource.AcceptSession)
            {
                readiness.MarkNotReady(handler.Queue, args.Exception.Message);
            }

            return Task.CompletedTask;
        };
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Processing Service Bus {Namespace}: shards from {ShardQueue}, finalize from {FinalizeQueue}")]
    private static partial void LogStarted(ILogger logger, string @namespace, string shardQueue, string finalizeQueue);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Service Bus processors stopped")]
    private static partial void LogStopped(ILogger logger);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "Service Bus error on {Queue} ({Source}): {Reason}")]
    private static partial void LogProcessorError(ILogger logger, string queue, string source, string reason, Exception exception);
}
