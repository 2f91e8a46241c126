using DiMaskDino.IntegrationTests.Azurite;

namespace DiMaskDino.IntegrationTests.Chaos;

/// <summary>
/// A chaos run's own Azurite (blob and queue services) that can be taken down and brought back: fixed ports and a
/// data folder, so clients keep their connection string and blobs and queue messages survive the outage. Stopped with
/// SIGTERM, as a storage service restarts: everything Azurite acknowledged is kept (a SIGKILL could lose its last
/// five seconds of metadata, which real storage never does).
/// </summary>
internal sealed class ChaosAzurite : IDisposable
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    private readonly string _package;
    private readonly string _workspace;
    private readonly string _data;
    private AzuriteProcess _blob;
    private AzuriteProcess _queue;

    private ChaosAzurite(string package, string workspace, string data, AzuriteProcess blob, AzuriteProcess queue)
    {
        (_package, _workspace, _data, _blob, _queue) = (package, workspace, data, blob, queue);
        Account = new AzuriteAccount(blob.Port, queue.Port);
    }

    public AzuriteAccount Account { get; }

    public static async Task<ChaosAzurite> StartAsync(string workspace, CancellationToken cancellationToken)
    {
        var package = await AzuriteInstaller.EnsureInstalledAsync(cancellationToken);
        var data = Directory.CreateDirectory(Path.Combine(workspace, "azurite-data")).FullName;
        var blob = await AzuriteProcess.StartAsync(package, "blob", workspace, cancellationToken, location: data);
        var queue = await AzuriteProcess.StartAsync(package, "queue", workspace, cancellationToken, location: data);
        return new ChaosAzurite(package, workspace, data, blob, queue);
    }

    /// <summary>Stops both services, waits <paramref name="length"/>, starts them again on the same ports and data.</summary>
    /// <returns>how long storage was unavailable: from the stop until both services answer again</returns>
    public async Task<TimeSpan> OutageAsync(TimeSpan length, CancellationToken cancellationToken)
    {
        var down = System.Diagnostics.Stopwatch.StartNew();
        await Task.WhenAll(_blob.StopAsync(StopTimeout), _queue.StopAsync(StopTimeout));
        await Task.Delay(length, cancellationToken);
        _blob = await AzuriteProcess.StartAsync(_package, "blob", _workspace, cancellationToken, Account.BlobPort, _data);
        _queue = await AzuriteProcess.StartAsync(_package, "queue", _workspace, cancellationToken, Account.QueuePort, _data);
        return down.Elapsed;
    }

    public void Dispose()
    {
        _blob.Dispose();
        _queue.Dispose();
    }
}
