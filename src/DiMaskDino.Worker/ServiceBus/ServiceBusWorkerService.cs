using Azure.Messaging.ServiceBus;
using DiMaskDino.Pipeline;
using DiMaskDino.Pipeline.Processing;
using DiMaskDino.Worker.Health;

namespace DiMaskDino.Worker.ServiceBus;

/// <summary>
/// Queue kind <c>ServiceBus</c>: one <see cref="ServiceBusProcessor"/> per queue. Shards: one at a time
/// (<c>MaxConcurrentCalls</c> 1, one GPU), <c>PrefetchCount</c> 1 so the next shard message is already at hand, auto-complete
/// off (<see cref="ServiceBusMessageHandler"/> settles), locks renewed for up to <see cref="WorkerOptions.MaxShardDuration"/>.
/// Finalize messages run beside them on the CPU, one at a time. On stop: receiving stops, the message in hand may
/// finish within <see cref="WorkerOptions.DrainTimeout"/>, then it is cancelled and abandoned.
/// </summary>
/// <remarks>
/// No image prefetch here (the Storage-queue path has it: <see cref="Pipeline.Workers.QueueWorker.Prefetching"/>): with
/// <c>MaxConcurrentCalls</c> 1 the processor hands the handler one message at a time, and the message in its prefetch
/// buffer is invisible to the handler until the current one is settled, so <see cref="ShardProcessor.PrepareAsync"/>
/// cannot be started on it early. Doing so needs a <c>ServiceBusReceiver</c> loop with manual lock renewal (as
/// <see cref="Pipeline.Workers.QueueWorker"/> does over an <see cref="Pipeline.Queues.IWorkQueue"/>).
/// </remarks>
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
        await using var shardProcessor = client.CreateProcessor(pipeline.ShardQueue, ProcessorOptions(prefetch: 1));
        await using var finalizeProcessor = client.CreateProcessor(pipeline.FinalizeQueue, ProcessorOptions(prefetch: 0));
        Wire(shardProcessor, new ServiceBusMessageHandler(pipeline.ShardQueue, shards.ProcessAsync, pipeline.MaxDeliveryCount, Logger()), drain.Token);
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
    public ServiceBusProcessorOptions ProcessorOptions(int prefetch) => new()
    {
        AutoCompleteMessages = false,
        MaxConcurrentCalls = 1,
        PrefetchCount = prefetch,
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
