using Azure.Messaging.ServiceBus;
using DiMaskDino.Pipeline;
using DiMaskDino.Worker.Health;
using DiMaskDino.Worker.ServiceBus;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiMaskDino.Worker.Tests.ServiceBus;

public sealed class ProcessorSettingsTests
{
    [Fact]
    public async Task Shard_processor_holds_two_lock_renewed_messages_without_broker_prefetch_and_renews_locks_for_the_slowest_shard()
    {
        await using var client = new ServiceBusClient("Endpoint=sb://example.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=a2V5");
        var service = new ServiceBusWorkerService(
            client, new PipelineOptions(), new WorkerOptions { MaxShardDuration = TimeSpan.FromMinutes(45) },
            shards: null!, finalize: null!, new ReadinessState(), NullLoggerFactory.Instance);

        var options = service.ProcessorOptions(concurrentCalls: 2);

        Assert.Equal(2, options.MaxConcurrentCalls);
        Assert.Equal(0, options.PrefetchCount);
        Assert.False(options.AutoCompleteMessages);
        Assert.Equal(ServiceBusReceiveMode.PeekLock, options.ReceiveMode);
        Assert.Equal(TimeSpan.FromMinutes(45), options.MaxAutoLockRenewalDuration);
    }
}
