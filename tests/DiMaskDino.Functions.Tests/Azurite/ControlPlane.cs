using DiMaskDino.IntegrationTests.Azurite;
using DiMaskDino.Pipeline.Queues;
using DiMaskDino.Pipeline;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Storage;
using DiMaskDino.ServiceDefaults;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace DiMaskDino.Functions.Tests.Azurite;

/// <summary>
/// The Functions app's services as <c>Program.cs</c> wires them (<c>AddDiMaskDinoDefaults</c> + <c>AddDiMaskDinoFunctions</c>)
/// on a plain host, against Azurite, with queue names of its own; function classes are created from it as the worker
/// would create them. Options are validated on start, as in Azure.
/// </summary>
public sealed class ControlPlane : IAsyncDisposable
{
    private readonly IHost _host;

    private ControlPlane(IHost host, string shardQueue, string finalizeQueue)
    {
        _host = host;
        ShardQueue = shardQueue;
        FinalizeQueue = finalizeQueue;
    }

    public string ShardQueue { get; }

    public string FinalizeQueue { get; }

    public IServiceProvider Services => _host.Services;

    public JobStore Jobs => Services.GetRequiredService<JobStore>();

    public IBlobStore Blobs => Services.GetRequiredService<IBlobStore>();

    public WorkQueues Queues => Services.GetRequiredService<WorkQueues>();

    public static async Task<ControlPlane> StartAsync(AzuriteFixture azurite, string evaluationDataset = "shapes-val", params (string Key, string Value)[] settings)
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var (shards, finalize) = ($"shards-{suffix}", $"finalize-{suffix}");
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var values = new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = azurite.ConnectionString,
            ["Pipeline:QueueKind"] = nameof(QueueKind.StorageQueue),
            ["Pipeline:ShardQueue"] = shards,
            ["Pipeline:FinalizeQueue"] = finalize,
            ["Pipeline:MaxDeliveryCount"] = "2",
            ["Evaluation:Dataset"] = evaluationDataset,
        };
        foreach (var (key, value) in settings)
        {
            values[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(values);
        builder.AddDiMaskDinoDefaults();
        builder.AddDiMaskDinoFunctions();
        var host = builder.Build();
        await host.StartAsync();
        return new ControlPlane(host, shards, finalize);
    }

    public T Create<T>() => ActivatorUtilities.CreateInstance<T>(Services);

    public static HttpRequest Request(string? body = null)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = body is null ? "GET" : "POST";
        context.Request.ContentType = "application/json";
        context.Request.Body = new MemoryStream(body is null ? [] : System.Text.Encoding.UTF8.GetBytes(body));
        return context.Request;
    }

    /// <summary>Uploads <paramref name="count"/> small blobs named <c>{prefix}img-0.png</c>, … (planning only lists them).</summary>
    public async Task UploadImagesAsync(string prefix, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await Blobs.WriteAsync(JobPaths.Image($"{prefix}img-{i}.png"), BinaryData.FromBytes([1, 2, 3, (byte)i]), WriteMode.Overwrite);
        }
    }

    /// <summary>Name of the tiny model uploaded once per Azurite (<see cref="SharedModelAsync"/>).</summary>
    public const string SharedModel = "tiny-shared.onnx";

    /// <summary>
    /// Makes sure <c>models/tiny-shared.onnx</c> exists and returns its name. Azurite's in-memory store has a size
    /// limit and never frees overwritten blobs, so tests that need just "a valid model" share this one upload.
    /// </summary>
    public async Task<string> SharedModelAsync(Pipeline.Tests.Fixtures.TinyModel model)
    {
        if (await Blobs.GetPropertiesAsync(JobPaths.Model(SharedModel)) is null)
        {
            await UploadModelAsync(SharedModel, model);
        }

        return SharedModel;
    }

    /// <summary>Uploads the tiny model as <c>models/{name}</c>; returns its ETag.</summary>
    public async Task<string> UploadModelAsync(string name, Pipeline.Tests.Fixtures.TinyModel model)
    {
        await Blobs.WriteAsync(JobPaths.Model(name), BinaryData.FromBytes(await File.ReadAllBytesAsync(model.Path)), WriteMode.Overwrite);
        return (await Blobs.GetPropertiesAsync(JobPaths.Model(name)))!.ETag;
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
