using System.CommandLine;
using DiMaskDino.Hosting;
using DiMaskDino.Inference.Batching;
using DiMaskDino.Inference.Runtime;
using DiMaskDino.Pipeline;
using DiMaskDino.Pipeline.Finalizing;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Processing;
using DiMaskDino.Pipeline.Queues;
using DiMaskDino.Pipeline.Workers;
using Microsoft.Extensions.Logging;

namespace DiMaskDino.Cli.Commands;

/// <summary>
/// <c>dimaskdino worker --storage-connection-string CS | --blob-uri URI --queue-uri URI [--queue shards|finalize] …</c>:
/// one queue worker process against a storage account (Storage queues; the production Service Bus worker is
/// DiMaskDino.Worker). On the shard queue it runs <see cref="ShardProcessor"/> and sends finalize messages; on the
/// finalize queue it runs <see cref="JobFinalizer"/>. Prints one line per shard on standard output
/// (<c>shard JOB N started</c>, <c>shard JOB N finished …</c>) and stops after <c>--idle-exit</c> seconds without work.
/// </summary>
internal static class WorkerCommand
{
    public static Command Create()
    {
        var storage = new AzureStorageArguments();
        var queue = new Option<string>("--queue") { Description = "Queue to serve: the shard queue, or the finalize queue.", DefaultValueFactory = _ => "shards" };
        var finalizeQueue = new Option<string>("--finalize-queue") { Description = "Where shard workers send finalize messages.", DefaultValueFactory = _ => "finalize" };
        var role = new Option<WorkerRole>("--role") { Description = "shards (label shards) or finalize (finalize jobs).", DefaultValueFactory = _ => WorkerRole.Shards };
        var modelCache = new Option<DirectoryInfo?>("--model-cache") { Description = "Folder for downloaded models (default: a temp folder)." };
        var idleExit = new Option<double?>("--idle-exit") { Description = "Exit after this many seconds without a message (default: run until stopped)." };
        var maxDeliveries = new Option<int>("--max-delivery-count") { Description = "Deliveries before a message is poisoned.", DefaultValueFactory = _ => 5 };
        var lockSeconds = new Option<double>("--lock-duration") { Description = "Seconds a received message stays invisible (renewed every third of it).", DefaultValueFactory = _ => 60 };
        var batchSize = new Option<int>("--batch-size") { Description = "Images per model run.", DefaultValueFactory = _ => 8 };
        var cpu = new Option<bool>("--cpu") { Description = "Run on the CPU even when CUDA is available." };

        var command = new Command("worker", "Serve a shard (or finalize) queue of a storage account: the distributed pipeline's worker, e.g. against Azurite.")
        {
            queue, finalizeQueue, role, modelCache, idleExit, maxDeliveries, lockSeconds, batchSize, cpu,
        };
        foreach (var option in storage.All)
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, cancellationToken) => CommandErrors.RunAsync(
            async ct =>
            {
                var lockDuration = TimeSpan.FromSeconds(parse.GetValue(lockSeconds));
                if (lockDuration < TimeSpan.FromSeconds(3))
                {
                    throw new CliInputException("--lock-duration must be at least 3 seconds");
                }

                var account = storage.Resolve(parse);
                var options = new PipelineOptions
                {
                    QueueKind = QueueKind.StorageQueue,
                    ShardQueue = parse.GetValue(queue)!,
                    FinalizeQueue = parse.GetValue(finalizeQueue)!,
                    MaxDeliveryCount = parse.GetValue(maxDeliveries),
                    LockRenewInterval = lockDuration / 3,
                    ReceiveWait = TimeSpan.FromSeconds(1),
                };
                var idle = parse.GetValue(idleExit) is { } seconds ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null;
                var cache = parse.GetValue(modelCache)?.FullName ?? Path.Combine(Path.GetTempPath(), "dimaskdino-models");
                return await RunAsync(account, options, parse.GetValue(role), lockDuration, idle, cache, parse.GetValue(batchSize), parse.GetValue(cpu), ct);
            },
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(
        AzureStorage account, PipelineOptions options, WorkerRole role, TimeSpan lockDuration, TimeSpan? idleExit, string modelCache, int batchSize, bool cpu,
        CancellationToken cancellationToken)
    {
        var store = account.BlobStore();
        var jobs = new JobStore(store);
        using ILoggerFactory loggers = new StandardErrorLoggerFactory(LogLevel.Warning);
        var queue = account.Queue(options.ShardQueue, options.MaxDeliveryCount, lockDuration);
        var workerOptions = QueueWorkerOptions.From(options) with { IdleExit = idleExit };
        var finalizer = new JobFinalizer(jobs, new EvaluationRunner(store, loggers.CreateLogger<EvaluationRunner>()), loggers.CreateLogger<JobFinalizer>());
        if (role == WorkerRole.Finalize)
        {
            await new QueueWorker(queue, (body, ct) => FinalizeAsync(finalizer, body, ct), workerOptions, loggers.CreateLogger<QueueWorker>()).RunAsync(cancellationToken);
            return CommandErrors.Success;
        }

        using var models = new ModelCache(
            store,
            new ModelCacheOptions
            {
                CacheDirectory = modelCache,
                Inference = new InferenceOptions { PreferredProvider = cpu ? ExecutionProvider.Cpu : ExecutionProvider.Cuda },
                Batching = new BatchPredictorOptions { BatchSize = batchSize },
            },
            loggers);
        var trigger = new FinalizeTrigger(jobs, account.Queue(options.FinalizeQueue, options.MaxDeliveryCount, lockDuration));
        var processor = new ShardProcessor(jobs, models, trigger, options, loggers.CreateLogger<ShardProcessor>(), new ConsoleLines());
        // One shard at a time; the next shard's images download while the current one runs.
        await using var worker = QueueWorker.Prefetching(
            queue, async (body, ct) => await processor.PrepareAsync(body, ct), workerOptions, loggers.CreateLogger<QueueWorker>());
        await worker.RunAsync(cancellationToken);
        return CommandErrors.Success;
    }

    private static async Task FinalizeAsync(JobFinalizer finalizer, BinaryData body, CancellationToken cancellationToken)
    {
        var message = PoisonMessageException.Parse(body, PipelineJsonContext.Default.FinalizeMessage, "finalize message");
        var summary = await finalizer.FinalizeAsync(message.JobId, cancellationToken);
        Console.Out.WriteLine($"job {summary.JobId} finalized: {summary.ImagesLabeled} labeled, {summary.ImagesFailed} failed, {summary.Annotations} annotations");
    }

    internal enum WorkerRole
    {
        Shards,
        Finalize,
    }

    /// <summary>One line per shard event on standard output (what the fault test watches for).</summary>
    private sealed class ConsoleLines : IPipelineObserver
    {
        public void ShardStarted(string jobId, int shard, int images) => Console.Out.WriteLine($"shard {jobId} {shard} started ({images} images)");

        public void ShardFinished(string jobId, int shard, int labeled, int failed, bool written) =>
            Console.Out.WriteLine($"shard {jobId} {shard} finished ({labeled} labeled, {failed} failed, result {(written ? "written" : "already there")})");
    }
}
