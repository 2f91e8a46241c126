using System.ComponentModel.DataAnnotations;

namespace DiMaskDino.ServiceDefaults;

/// <summary>
/// The storage account (configuration section <see cref="SectionName"/>; the Functions blob triggers read the same
/// section as their <c>Storage</c> connection). In Azure: <see cref="BlobServiceUri"/> and <see cref="QueueServiceUri"/>
/// with a managed identity (<c>Storage__credential=managedidentity</c>, <see cref="ClientId"/>); locally:
/// <see cref="ConnectionString"/> for Azurite only.
/// </summary>
public sealed class StorageOptions : IValidatableObject
{
    public const string SectionName = "Storage";

    /// <summary>Azurite only (<c>UseDevelopmentStorage=true</c> or an explicit emulator connection string); never set in Azure.</summary>
    public string? ConnectionString { get; set; }

    /// <summary><c>https://{account}.blob.core.windows.net</c>.</summary>
    public Uri? BlobServiceUri { get; set; }

    /// <summary><c>https://{account}.queue.core.windows.net</c> (Storage queues and the blob triggers' receipts).</summary>
    public Uri? QueueServiceUri { get; set; }

    /// <summary><c>managedidentity</c> in Azure (read by the Functions host's identity-based connection; informational here).</summary>
    public string? Credential { get; set; }

    /// <summary>Client id of the user-assigned identity (null: the system-assigned or developer identity).</summary>
    public string? ClientId { get; set; }

    /// <summary>Visibility timeout (the lock) of a received Storage-queue message; renewed every <c>Pipeline:LockRenewInterval</c>.</summary>
    public TimeSpan QueueVisibilityTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Retries of a failed storage request by the SDK (exponential back-off from 0.8 s) before the error surfaces.</summary>
    [Range(0, 10)]
    public int MaxRetries { get; set; } = 5;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(ConnectionString) && BlobServiceUri is null)
        {
            yield return new ValidationResult(
                "Storage: set Storage:BlobServiceUri (and Storage:QueueServiceUri) for Azure, or Storage:ConnectionString for Azurite",
                [nameof(BlobServiceUri), nameof(ConnectionString)]);
        }

        if (QueueVisibilityTimeout < TimeSpan.FromSeconds(5))
        {
            yield return new ValidationResult("Storage:QueueVisibilityTimeout must be at least 5 seconds", [nameof(QueueVisibilityTimeout)]);
        }
    }
}
