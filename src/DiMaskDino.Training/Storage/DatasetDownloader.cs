using Azure;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using DiMaskDino.Hosting;

namespace DiMaskDino.Training.Storage;

/// <summary>What <see cref="DatasetDownloader.DownloadAsync"/> did: files under the prefix, how many it fetched, how many it kept.</summary>
internal sealed record DatasetDownload(string Folder, int Files, int Downloaded, int Kept, long DownloadedBytes);

/// <summary>
/// Copies a COCO dataset kept in blob storage (<c>PREFIX/annotations.json</c> plus its images, as <c>dimaskdino-train
/// synth</c> writes it) into a local folder before training. A file already there with the blob's length and
/// last-modified time (set on every file this class writes) is kept, so a re-run or <c>--resume</c> downloads nothing
/// again; each file is written to a temporary name and renamed, so an interrupted download leaves no partial file.
/// </summary>
internal static class DatasetDownloader
{
    public const string AnnotationsFile = "annotations.json";

    private const string PartialSuffix = ".partial";

    public static async Task<DatasetDownload> DownloadAsync(
        BlobServiceClient service, BlobReference prefix, string folder, string option, CancellationToken cancellationToken = default)
    {
        var container = service.GetBlobContainerClient(prefix.Container);
        var root = Path.GetFullPath(folder);
        var blobs = await ListAsync(container, prefix, option, cancellationToken);
        if (blobs.Count == 0)
        {
            throw new CliInputException($"{option}: no blobs under {prefix}/");
        }

        var start = prefix.Path.Length + 1;
        if (!blobs.Any(b => b.Name[start..] == AnnotationsFile))
        {
            throw new CliInputException($"{option}: {prefix}/ is not a COCO dataset (no {AnnotationsFile})");
        }

        Directory.CreateDirectory(root);
        var (downloaded, kept, bytes) = (0, 0, 0L);
        foreach (var blob in blobs)
        {
            var local = Path.GetFullPath(Path.Combine(root, blob.Name[start..]));
            if (!local.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                throw new CliInputException($"{option}: blob {prefix.Container}/{blob.Name} would be written outside {root}");
            }

            var length = blob.Properties.ContentLength ?? 0;
            var modified = (blob.Properties.LastModified ?? DateTimeOffset.UnixEpoch).UtcDateTime;
            var existing = new FileInfo(local);
            if (existing.Exists && existing.Length == length && existing.LastWriteTimeUtc == modified)
            {
                kept++;
                continue;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(local)!);
            var partial = local + PartialSuffix;
            await container.GetBlobClient(blob.Name).DownloadToAsync(partial, cancellationToken);
            File.SetLastWriteTimeUtc(partial, modified);
            File.Move(partial, local, overwrite: true);
            downloaded++;
            bytes += length;
        }

        return new DatasetDownload(root, blobs.Count, downloaded, kept, bytes);
    }

    private static async Task<List<BlobItem>> ListAsync(BlobContainerClient container, BlobReference prefix, string option, CancellationToken cancellationToken)
    {
        var blobs = new List<BlobItem>();
        try
        {
            await foreach (var blob in container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix.Path + "/" }, cancellationToken))
            {
                blobs.Add(blob);
            }
        }
        catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.ContainerNotFound)
        {
            throw new CliInputException($"{option}: container '{prefix.Container}' does not exist");
        }
        catch (AuthenticationFailedException e)
        {
            throw new CliInputException($"{option}: cannot sign in to blob storage: {e.Message}");
        }
        catch (RequestFailedException e)
        {
            throw new CliInputException($"{option}: cannot list {prefix}/: {e.Status} {e.ErrorCode}");
        }

        return blobs;
    }
}
