using System.Net;
using DiMaskDino.ServiceDefaults;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace DiMaskDino.Worker.Tests.Health;

/// <summary>The real worker host (as Program.cs builds it), its storage pointed at a port where nothing listens.</summary>
public sealed class HealthEndpointTests
{
    // Azurite's published development account key (not a secret); the endpoints point at a closed port.
    private const string UnreachableStorage =
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
        "BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;QueueEndpoint=http://127.0.0.1:9/devstoreaccount1;";

    [Fact]
    public async Task Liveness_answers_while_readiness_names_the_unreachable_queue()
    {
        await using var app = Build();
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = Address(app), Timeout = TimeSpan.FromSeconds(10) };

        var live = await http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("ok\n", await live.Content.ReadAsStringAsync());

        string body;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        do
        {
            var ready = await http.GetAsync("/readyz");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            body = await ready.Content.ReadAsStringAsync();
            await Task.Delay(200);
        }
        while (!body.Contains("shards: ", StringComparison.Ordinal) || body.Contains("shards: not started", StringComparison.Ordinal) && DateTime.UtcNow < deadline);

        Assert.StartsWith("not ready: ", body, StringComparison.Ordinal);
        Assert.DoesNotContain("shards: not started", body, StringComparison.Ordinal); // the receive error itself
        await app.StopAsync();
    }

    [Fact]
    public async Task Readiness_says_stopping_once_shutdown_began()
    {
        await using var app = Build();
        await app.StartAsync();
        var readiness = app.Services.GetRequiredService<Worker.Health.ReadinessState>();
        readiness.MarkReady("shards");
        readiness.MarkReady("finalize");
        Assert.Null(readiness.NotReadyReason());

        await app.StopAsync();

        Assert.Equal("stopping", readiness.NotReadyReason());
    }

    [Fact]
    public void In_process_queue_kind_is_refused_at_start()
    {
        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() =>
        {
            using var app = Build(("Pipeline:QueueKind", "InProcess"));
            app.StartAsync().GetAwaiter().GetResult();
        });

        Assert.Contains("Pipeline:QueueKind must be StorageQueue or ServiceBus", error.Message, StringComparison.Ordinal);
    }

    private static WebApplication Build(params (string Key, string Value)[] overrides)
    {
        var builder = WebApplication.CreateSlimBuilder();
        var settings = new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = UnreachableStorage,
            ["Storage:MaxRetries"] = "0",
            ["Pipeline:QueueKind"] = "StorageQueue",
            ["Pipeline:ReceiveWait"] = "00:00:00.200",
            ["Worker:HealthPort"] = "0",
            ["Worker:RetryDelay"] = "00:00:00.200",
            ["Worker:ShutdownTimeout"] = "00:00:05",
            ["Worker:SettleMargin"] = "00:00:01",
        };
        foreach (var (key, value) in overrides)
        {
            settings[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddDiMaskDinoDefaults();
        builder.AddDiMaskDinoWorker();
        var app = builder.Build();
        app.MapWorkerHealth();
        return app;
    }

    private static Uri Address(WebApplication app)
    {
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var port = new Uri(address.Replace("[::]", "localhost", StringComparison.Ordinal).Replace("0.0.0.0", "localhost", StringComparison.Ordinal)).Port;
        return new Uri($"http://127.0.0.1:{port}");
    }
}
