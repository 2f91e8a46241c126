using DiMaskDino.Pipeline.Azure.Queues;
using DiMaskDino.Pipeline.Queues;
using DiMaskDino.ServiceDefaults;
using DiMaskDino.Worker.ServiceBus;
using DiMaskDino.Worker.StorageQueues;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace DiMaskDino.Worker.Tests.ServiceBus;

/// <summary>What the worker host wires for each queue kind (nothing here connects: clients connect on first use).</summary>
public sealed class ServiceBusWiringTests
{
    [Fact]
    public void Service_bus_kind_runs_the_processors_over_service_bus_queues()
    {
        using var app = Build(("Pipeline:QueueKind", "ServiceBus"), ("ServiceBus:FullyQualifiedNamespace", "example.servicebus.windows.net"));

        var queues = app.Services.GetRequiredService<WorkQueues>();
        Assert.IsType<ServiceBusWorkQueue>(queues.Shards);
        Assert.IsType<ServiceBusWorkQueue>(queues.Finalize);
        Assert.Equal(("shards", "finalize"), (queues.Shards.Name, queues.Finalize.Name));
        Assert.IsType<ServiceBusWorkerService>(Assert.Single(app.Services.GetServices<IHostedService>(), IsQueueLoop));
    }

    [Fact]
    public void Storage_queue_kind_runs_the_queue_worker_loops()
    {
        using var app = Build(("Pipeline:QueueKind", "StorageQueue"));

        Assert.IsType<StorageQueueWorkQueue>(app.Services.GetRequiredService<WorkQueues>().Shards);
        Assert.IsType<StorageQueueWorkerService>(Assert.Single(app.Services.GetServices<IHostedService>(), IsQueueLoop));
    }

    [Fact]
    public async Task Service_bus_kind_without_a_namespace_fails_at_start_naming_the_setting()
    {
        await using var app = Build(("Pipeline:QueueKind", "ServiceBus"));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains("ServiceBus:FullyQualifiedNamespace is required when Pipeline:QueueKind is ServiceBus", error.Message, StringComparison.Ordinal);
    }

    private static bool IsQueueLoop(IHostedService service) => service is ServiceBusWorkerService or StorageQueueWorkerService;

    private static WebApplication Build(params (string Key, string Value)[] settings)
    {
        var builder = WebApplication.CreateSlimBuilder();
        var values = new Dictionary<string, string?>
        {
            ["Storage:BlobServiceUri"] = "https://example.blob.core.windows.net",
            ["Storage:QueueServiceUri"] = "https://example.queue.core.windows.net",
            ["Worker:HealthPort"] = "0",
        };
        foreach (var (key, value) in settings)
        {
            values[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(values);
        builder.AddDiMaskDinoDefaults();
        builder.AddDiMaskDinoWorker();
        return builder.Build();
    }
}
