using Azure;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using DiMaskDino.Hosting;

namespace DiMaskDino.Training.Storage;

/// <summary>
/// Publishes an exported model to <c>models/{name}.onnx</c>, where a new blob starts a checkpoint evaluation. The
/// upload is one block-blob write (single put, or staged blocks committed at once), so the blob appears whole or not
/// at all and the trigger never sees a partial model. An existing model is refused (checked before training, and again
/// by the service with <c>If-None-Match: *</c> at upload) unless overwriting is asked for: a new checkpoint gets a new name.
/// </summary>
internal static class ModelPublisher
{
    public const string Option = "--publish";

    public static BlobReference ParseTarget(string value)
    {
        var target = BlobReference.Parse(value, Option);
        return target.Path.EndsWith(".onnx", StringComparison.Ordinal)
            ? target
            : throw new CliInputException($"{Option}: '{value}' must name an .onnx blob, e.g. models/tiny-01.onnx");
    }

    /// <summary>Fails early (before hours of training) when the target exists and <paramref name="overwrite"/> is off, or its container is missing.</summary>
    public static async Task CheckTargetAsync(BlobServiceClient service, BlobReference target, bool overwrite, CancellationToken cancellationToken = default)
    {
        var container = service.GetBlobContainerClient(target.Container);
        try
        {
            if (!(await container.ExistsAsync(cancellationToken)).Value)
            {
                throw new CliInputException($"{Option}: container '{target.Container}' does not exist");
            }

            if (!overwrite && (await container.GetBlobClient(target.Path).ExistsAsync(cancellationToken)).Value)
            {
                throw new CliInputException($"{Option}: {target} already exists; publish under a new name or add --overwrite");
            }
        }
        catch (AuthenticationFailedException e)
        {
            throw new CliInputException($"{Option}: cannot sign in to blob storage: {e.Message}");
        }
        catch (RequestFailedException e)
        {
            throw new CliInputException($"{Option}: cannot check {target}: {e.Status} {e.ErrorCode}");
        }
    }

    public static async Task PublishAsync(
        BlobServiceClient service, string file, BlobReference target, bool overwrite, CancellationToken cancellationToken = default)
    {
        var blob = service.GetBlobContainerClient(target.Container).GetBlobClient(target.Path);
        var options = new BlobUploadOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = "application/octet-stream" },
            Conditions = overwrite ? null : new BlobRequestConditions { IfNoneMatch = ETag.All },
        };
        try
        {
            await blob.UploadAsync(file, options, cancellationToken);
        }
        catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.BlobAlreadyExists || e.Status == 412)
        {
            throw new CliInputException($"{Option}: {target} already exists; publish under a new name or add --overwrite (the model is kept at {file})");
        }
        catch (AuthenticationFailedException e)
        {
            throw new CliInputException($"{Option}: cannot sign in to blob storage: {e.Message}");
        }
        catch (RequestFailedException e)
        {
            throw new CliInputException($"{Option}: upload of {file} to {target} failed: {e.Status} {e.ErrorCode}");
        }
    }
}
