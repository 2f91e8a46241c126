using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using DiMaskDino.Pipeline.Azure.Queues;

namespace DiMaskDino.IntegrationTests.Azurite;

/// <summary>The development account of an Azurite blob service and queue service on 127.0.0.1, and clients for it.</summary>
public sealed record AzuriteAccount(int BlobPort, int QueuePort)
{
    /// <summary>Azurite's well-known development account (public, documented; not a secret).</summary>
    public const string AccountName = "devstoreaccount1";

    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    /// <summary>Blob endpoint, e.g. <c>http://127.0.0.1:41234/devstoreaccount1</c>.</summary>
    public Uri BlobEndpoint => new($"http://127.0.0.1:{BlobPort}/{AccountName}");

    /// <summary>Queue endpoint, e.g. <c>http://127.0.0.1:41235/devstoreaccount1</c>.</summary>
    public Uri QueueEndpoint => new($"http://127.0.0.1:{QueuePort}/{AccountName}");

    /// <summary>One connection string for both services, the form the hosts read from <c>Storage__ConnectionString</c>.</summary>
    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};BlobEndpoint={BlobEndpoint};QueueEndpoint={QueueEndpoint};";

    public BlobServiceClient CreateBlobServiceClient() => new(ConnectionString);

    /// <summary>A queue client with the options the Storage queue adapter requires (base64 messages).</summary>
    public QueueServiceClient CreateQueueServiceClient() => new(ConnectionString, StorageQueueWorkQueue.CreateClientOptions());
}
