using Azure.Storage.Blobs;
using Azure.Storage.Queues;

namespace DiMaskDino.IntegrationTests.Azurite;

/// <summary>
/// Azurite's blob and queue services, started once per test collection on 127.0.0.1 with free ports and in-memory
/// storage, and stopped (process tree killed) at the end; they also exit by themselves if the test host dies.
/// Installs the pinned npm package into <c>&lt;repo&gt;/.tools/azurite</c> first when it is missing (needs Node.js and
/// npm). Use it through <c>[Collection(AzuriteCollection.Name)]</c> and a constructor parameter:
/// <code>
/// [Collection(AzuriteCollection.Name)]
/// [Trait("Category", "Integration")]
/// public sealed class MyTests(AzuriteFixture azurite) { ... azurite.CreateBlobServiceClient() ... }
/// </code>
/// Child processes get <see cref="ConnectionString"/> (e.g. as <c>Storage__ConnectionString</c>). The emulator is
/// shared by the whole collection: use fresh container and queue names per test.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    /// <summary>Azurite's well-known development account (public, documented; not a secret).</summary>
    public const string AccountName = AzuriteAccount.AccountName;

    private readonly string _workspace = Directory.CreateTempSubdirectory("dimaskdino-azurite-").FullName;
    private AzuriteProcess? _blob;
    private AzuriteProcess? _queue;

    /// <summary>The running services' account: endpoints, connection string, clients.</summary>
    public AzuriteAccount Account => new(Started(_blob).Port, Started(_queue).Port);

    /// <summary>Blob endpoint, e.g. <c>http://127.0.0.1:41234/devstoreaccount1</c>.</summary>
    public Uri BlobEndpoint => Account.BlobEndpoint;

    /// <summary>Queue endpoint, e.g. <c>http://127.0.0.1:41235/devstoreaccount1</c>.</summary>
    public Uri QueueEndpoint => Account.QueueEndpoint;

    /// <summary>One connection string for both services, the form the hosts read from <c>Storage__ConnectionString</c>.</summary>
    public string ConnectionString => Account.ConnectionString;

    public BlobServiceClient CreateBlobServiceClient() => Account.CreateBlobServiceClient();

    /// <summary>A queue client with the options the Storage queue adapter requires (base64 messages).</summary>
    public QueueServiceClient CreateQueueServiceClient() => Account.CreateQueueServiceClient();

    public async Task InitializeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit += StopOnExit;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var package = await AzuriteInstaller.EnsureInstalledAsync(timeout.Token);
        _blob = await AzuriteProcess.StartAsync(package, "blob", _workspace, timeout.Token);
        _queue = await AzuriteProcess.StartAsync(package, "queue", _workspace, timeout.Token);
    }

    public Task DisposeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= StopOnExit;
        Stop();
        return Task.CompletedTask;
    }

    private void StopOnExit(object? sender, EventArgs e) => Stop();

    private void Stop()
    {
        _blob?.Dispose();
        _queue?.Dispose();
        _blob = null;
        _queue = null;
        if (Directory.Exists(_workspace))
        {
            Directory.Delete(_workspace, recursive: true);
        }
    }

    private static AzuriteProcess Started(AzuriteProcess? process) =>
        process ?? throw new InvalidOperationException("Azurite is not running: the fixture was not initialized or is already disposed");
}
