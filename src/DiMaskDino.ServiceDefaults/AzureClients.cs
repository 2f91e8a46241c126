using Azure.Core;
using Azure.Identity;
using Azure.Messaging.ServiceBus;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using DiMaskDino.Pipeline.Azure.Queues;

namespace DiMaskDino.ServiceDefaults;

/// <summary>
/// Azure SDK clients from the options: <see cref="DefaultAzureCredential"/> (the user-assigned identity when a client
/// id is configured) in Azure, the connection string only for Azurite.
/// </summary>
public static class AzureClients
{
    public static TokenCredential Credential(string? clientId) =>
        new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = string.IsNullOrWhiteSpace(clientId) ? null : clientId });

    public static BlobServiceClient Blobs(StorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var clientOptions = new BlobClientOptions();
        clientOptions.Retry.MaxRetries = options.MaxRetries;
        return string.IsNullOrWhiteSpace(options.ConnectionString)
            ? new BlobServiceClient(options.BlobServiceUri ?? throw Missing("Storage:BlobServiceUri"), Credential(options.ClientId), clientOptions)
            : new BlobServiceClient(options.ConnectionString, clientOptions);
    }

    /// <summary>A queue endpoint client with the message encoding <see cref="StorageQueueWorkQueue"/> requires.</summary>
    public static QueueServiceClient Queues(StorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var clientOptions = StorageQueueWorkQueue.CreateClientOptions();
        clientOptions.Retry.MaxRetries = options.MaxRetries;
        return string.IsNullOrWhiteSpace(options.ConnectionString)
            ? new QueueServiceClient(options.QueueServiceUri ?? throw Missing("Storage:QueueServiceUri"), Credential(options.ClientId), clientOptions)
            : new QueueServiceClient(options.ConnectionString, clientOptions);
    }

    public static ServiceBusClient ServiceBus(ServiceBusOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.FullyQualifiedNamespace))
        {
            throw Missing("ServiceBus:FullyQualifiedNamespace");
        }

        return new ServiceBusClient(options.FullyQualifiedNamespace, Credential(options.ClientId));
    }

    private static InvalidOperationException Missing(string setting) =>
        new($"{setting} is not configured (environment variable {setting.Replace(":", "__", StringComparison.Ordinal)})");
}
