using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using DiMaskDino.Pipeline;
using DiMaskDino.Pipeline.Azure.Queues;
using DiMaskDino.Pipeline.Azure.Storage;
using DiMaskDino.Pipeline.Checkpoints;
using DiMaskDino.Pipeline.Queues;
using DiMaskDino.Pipeline.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DiMaskDino.ServiceDefaults;

/// <summary>
/// What every DiMaskDino host (Functions, Worker) wires the same way: validated options, OpenTelemetry, the Azure
/// clients and the pipeline's ports over them (<see cref="IBlobStore"/> over Blob Storage, <see cref="WorkQueues"/> over
/// the adapter <c>Pipeline:QueueKind</c> names). The pipeline classes are the pipeline's own
/// <c>AddDiMaskDinoPipeline</c>, which each host calls.
/// </summary>
public static class ServiceDefaultsExtensions
{
    public static IHostApplicationBuilder AddDiMaskDinoDefaults(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddDiMaskDinoTelemetry();
        var services = builder.Services;

        services.AddOptions<PipelineOptions>().BindConfiguration(PipelineOptions.SectionName).ValidateDataAnnotations()
            .Validate(o => o.QueueKind != QueueKind.InProcess, "Pipeline:QueueKind must be StorageQueue or ServiceBus in a host (InProcess is the embedded CLI's)")
            .ValidateOnStart();
        services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ServiceBusOptions>().BindConfiguration(ServiceBusOptions.SectionName);
        services.AddOptions<EvaluationOptions>().BindConfiguration(EvaluationOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<ServiceBusOptions>, ServiceBusOptionsValidator>();
        services.AddOptions<ServiceBusOptions>().ValidateOnStart();

        services.AddSingleton(p => p.GetRequiredService<IOptions<PipelineOptions>>().Value);
        services.AddSingleton(p => p.GetRequiredService<IOptions<EvaluationOptions>>().Value);
        services.AddSingleton(p => AzureClients.Blobs(p.GetRequiredService<IOptions<StorageOptions>>().Value));
        services.AddSingleton(p => AzureClients.Queues(p.GetRequiredService<IOptions<StorageOptions>>().Value));
        services.AddSingleton(p => AzureClients.ServiceBus(p.GetRequiredService<IOptions<ServiceBusOptions>>().Value));
        services.AddSingleton<IBlobStore>(p => new AzureBlobStore(p.GetRequiredService<BlobServiceClient>()));
        services.AddSingleton(CreateQueues);

        return builder;
    }

    private static WorkQueues CreateQueues(IServiceProvider provider)
    {
        var pipeline = provider.GetRequiredService<PipelineOptions>();
        return pipeline.QueueKind switch
        {
            QueueKind.StorageQueue => new WorkQueues(StorageQueue(pipeline.ShardQueue), StorageQueue(pipeline.FinalizeQueue)),
            QueueKind.ServiceBus => new WorkQueues(ServiceBusQueue(pipeline.ShardQueue), ServiceBusQueue(pipeline.FinalizeQueue)),
            _ => throw new InvalidOperationException($"Pipeline:QueueKind {pipeline.QueueKind} is not available in a host; use StorageQueue or ServiceBus"),
        };

        IWorkQueue StorageQueue(string name) => new StorageQueueWorkQueue(
            provider.GetRequiredService<QueueServiceClient>(),
            name,
            pipeline.MaxDeliveryCount,
            provider.GetRequiredService<IOptions<StorageOptions>>().Value.QueueVisibilityTimeout,
            logger: provider.GetRequiredService<ILogger<StorageQueueWorkQueue>>());

        IWorkQueue ServiceBusQueue(string name) =>
            new ServiceBusWorkQueue(provider.GetRequiredService<Azure.Messaging.ServiceBus.ServiceBusClient>(), name, pipeline.MaxDeliveryCount);
    }

    /// <summary>Service Bus settings are required only when Service Bus is the queue kind.</summary>
    private sealed class ServiceBusOptionsValidator(IOptions<PipelineOptions> pipeline) : IValidateOptions<ServiceBusOptions>
    {
        public ValidateOptionsResult Validate(string? name, ServiceBusOptions options) =>
            pipeline.Value.QueueKind == QueueKind.ServiceBus && string.IsNullOrWhiteSpace(options.FullyQualifiedNamespace)
                ? ValidateOptionsResult.Fail("ServiceBus:FullyQualifiedNamespace is required when Pipeline:QueueKind is ServiceBus")
                : ValidateOptionsResult.Success;
    }
}
