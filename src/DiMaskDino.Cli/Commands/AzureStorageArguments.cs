using System.CommandLine;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using DiMaskDino.Hosting;
using DiMaskDino.Pipeline.Azure.Queues;
using DiMaskDino.Pipeline.Azure.Storage;

namespace DiMaskDino.Cli.Commands;

/// <summary>
/// How the label command reaches a storage account: a connection string (Azurite, or an account with
/// shared keys), or the blob and queue endpoint URLs with <see cref="DefaultAzureCredential"/> (managed identity,
/// Azure CLI login, environment; <c>AZURE_CLIENT_ID</c> picks a user-assigned identity).
/// </summary>
internal sealed class AzureStorageArguments
{
    public Option<string?> ConnectionString { get; } = new("--storage-connection-string")
    {
        Description = "Storage connection string (e.g. Azurite's); default: the Storage__ConnectionString environment variable.",
    };

    public Option<Uri?> BlobUri { get; } = new("--blob-uri") { Description = "Blob endpoint, e.g. https://ACCOUNT.blob.core.windows.net (with DefaultAzureCredential)." };

    public Option<Uri?> QueueUri { get; } = new("--queue-uri") { Description = "Queue endpoint, e.g. https://ACCOUNT.queue.core.windows.net (with DefaultAzureCredential)." };

    public IEnumerable<Option> All => [ConnectionString, BlobUri, QueueUri];

    public AzureStorage Resolve(ParseResult parse)
    {
        var connectionString = parse.GetValue(ConnectionString) ?? Environment.GetEnvironmentVariable("Storage__ConnectionString");
        var blobUri = parse.GetValue(BlobUri);
        var queueUri = parse.GetValue(QueueUri);
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            if (blobUri is not null || queueUri is not null)
            {
                throw new CliInputException("give either --storage-connection-string or --blob-uri/--queue-uri, not both");
            }

            return new AzureStorage(new BlobServiceClient(connectionString), new QueueServiceClient(connectionString, StorageQueueWorkQueue.CreateClientOptions()));
        }

        if (blobUri is null || queueUri is null)
        {
            throw new CliInputException("Azure storage needs --storage-connection-string, or both --blob-uri and --queue-uri");
        }

        var credential = new DefaultAzureCredential();
        return new AzureStorage(new BlobServiceClient(blobUri, credential), new QueueServiceClient(queueUri, credential, StorageQueueWorkQueue.CreateClientOptions()));
    }
}

/// <summary>The clients of one storage account and the blob store over them.</summary>
internal sealed record AzureStorage(BlobServiceClient Blobs, QueueServiceClient Queues)
{
    public AzureBlobStore BlobStore() => new(Blobs);
}
