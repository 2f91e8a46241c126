using DiMaskDino.Inference;
using DiMaskDino.Inference.Batching;
using DiMaskDino.Inference.Runtime;
using DiMaskDino.Pipeline;
using DiMaskDino.Pipeline.Finalizing;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Processing;
using DiMaskDino.Worker.Health;
using DiMaskDino.Worker.ServiceBus;
using DiMaskDino.Worker.StorageQueues;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace DiMaskDino.Worker;

/// <summary>The worker's services on top of <c>AddDiMaskDinoDefaults</c>: model cache, shard processor, finalize handler, the queue loops of the configured kind, health.</summary>
public static class WorkerExtensions
{
    public static IHostApplicationBuilder AddDiMaskDinoWorker(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<WorkerOptions>().BindConfiguration(WorkerOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<InferenceOptions>().BindConfiguration(InferenceOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<BatchPredictorOptions>().BindConfiguration(BatchPredictorOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(p => p.GetRequiredService<IOptions<WorkerOptions>>().Value);
        services.AddOptions<HostOptions>().Configure<IOptions<WorkerOptions>>((host, worker) => host.ShutdownTimeout = worker.Value.ShutdownTimeout);
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<WorkerOptions>>((kestrel, worker) => kestrel.ListenAnyIP(worker.Value.HealthPort));

        services.AddDiMaskDinoInference(); // the process's ModelSessionCache: one session per model URI + version
        services.AddSingleton(p => new ModelCache(
            p.GetRequiredService<Pipeline.Storage.IBlobStore>(),
            new ModelCacheOptions
            {
                CacheDirectory = p.GetRequiredService<WorkerOptions>().ModelCacheDirectory,
                Inference = p.GetRequiredService<IOptions<InferenceOptions>>().Value,
                Batching = p.GetRequiredService<IOptions<BatchPredictorOptions>>().Value,
            },
            p.GetRequiredService<ILoggerFactory>(),
            p.GetRequiredService<ModelSessionCache>()));
        services.AddSingleton(p => new ShardProcessor(
            p.GetRequiredService<JobStore>(), p.GetRequiredService<ModelCache>(), p.GetRequiredService<FinalizeTrigger>(),
            p.GetRequiredService<PipelineOptions>(), p.GetRequiredService<ILogger<ShardProcessor>>()));
        services.AddSingleton<FinalizeHandler>();
        services.AddSingleton<ReadinessState>();

        var kind = builder.Configuration.GetValue<QueueKind?>($"{PipelineOptions.SectionName}:{nameof(PipelineOptions.QueueKind)}");
        if (kind == QueueKind.ServiceBus)
        {
            services.AddHostedService<ServiceBusWorkerService>();
        }
        else
        {
            // StorageQueue; an InProcess kind fails options validation at start.
            services.AddHostedService<StorageQueueWorkerService>();
        }

        return builder;
    }

    public static WebApplication MapWorkerHealth(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        HealthEndpoints.Map(app);
        var readiness = app.Services.GetRequiredService<ReadinessState>();
        app.Lifetime.ApplicationStopping.Register(readiness.MarkStopping); // not ready from the first moment of shutdown
        return app;
    }
}
