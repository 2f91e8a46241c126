using System.Runtime.CompilerServices;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using DiMaskDino.Pipeline.Storage;
using BlobProperties = DiMaskDino.Pipeline.Storage.BlobProperties;

namespace DiMaskDino.Pipeline.Azure.Storage;

/// <summary>
/// <see cref="IBlobStore"/> over Azure Blob Storage (or Azurite). The host builds the <see cref="BlobServiceClient"/>:
/// from a URI and a <c>TokenCredential</c> in Azure, from a connection string for Azurite.
/// <list type="bullet">
/// <item>Every write is one Put Blob (or Put Block List), which the service applies atomically;
/// <see cref="WriteMode.CreateNew"/> sends <c>If-None-Match: *</c> and reports a 409/412 as "someone else won".</item>
/// <item>Containers are created on demand by the first write that finds its container missing, or up front with
/// <see cref="EnsureContainersAsync"/>; reads, listings and deletes treat a missing container as empty.</item>
/// <item>Listings are the service's flat listing pages (lexical order of names; it is ordinal order for names without
/// characters above U+FFFF), one page in memory at a time.</item>
/// <item>The ETag is the service's, always in quoted header form.</item>
/// </list>
/// </summary>
public sealed class AzureBlobStore : IBlobStore
{
    private readonly BlobServiceClient _service;
    private readonly int? _listPageSize;

    /// <param name="service">the account's blob endpoint</param>
    /// <param name="listPageSize">blobs per listing page (the service caps it at 5000; null: the service's default)</param>
    public AzureBlobStore(BlobServiceClient service, int? listPageSize = null)
    {
        ArgumentNullException.ThrowIfNull(service);
        if (listPageSize is { } size)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(size, 1, nameof(listPageSize));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(size, 5000, nameof(listPageSize));
        }

        _service = service;
        _listPageSize = listPageSize;
    }

    /// <summary>Creates the given containers where they do not exist yet (for example <see cref="Containers.All"/> at start-up).</summary>
    public async Task EnsureContainersAsync(IEnumerable<string> containers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(containers);
        foreach (var container in containers)
        {
            BlobPath.Validate(container, "");
            await _service.GetBlobContainerClient(container).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        }
    }

    public async Task<BlobContent?> ReadAsync(BlobPath path, CancellationToken cancellationToken = default)
    {
        try
        {
            var result = (await BlobOf(path).DownloadContentAsync(cancellationToken)).Value;
            return new BlobContent(result.Content, Quoted(result.Details.ETag));
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    public async Task<Stream?> OpenReadAsync(BlobPath path, CancellationToken cancellationToken = default)
    {
        try
        {
            // allowModifications: false pins the ETag, so a blob replaced mid-read fails the read instead of mixing versions.
            return await BlobOf(path).OpenReadAsync(new BlobOpenReadOptions(allowModifications: false), cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    public async Task<bool> WriteAsync(BlobPath path, BinaryData content, WriteMode mode, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var blob = BlobOf(path);
        var options = new BlobUploadOptions
        {
            Conditions = mode == WriteMode.CreateNew ? new BlobRequestConditions { IfNoneMatch = ETag.All } : null,
        };

        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await blob.UploadAsync(content, options, cancellationToken);
                return true;
            }
            catch (RequestFailedException e) when (mode == WriteMode.CreateNew && e.Status is 409 or 412 && e.ErrorCode != BlobErrorCode.ContainerNotFound)
            {
                return false;
            }
            catch (RequestFailedException e) when (attempt == 0 && e.ErrorCode == BlobErrorCode.ContainerNotFound)
            {
                await _service.GetBlobContainerClient(path.Container).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            }
        }
    }

    public async Task<BlobProperties?> GetPropertiesAsync(BlobPath path, CancellationToken cancellationToken = default)
    {
        try
        {
            var properties = (await BlobOf(path).GetPropertiesAsync(cancellationToken: cancellationToken)).Value;
            return new BlobProperties(path, properties.ContentLength, Quoted(properties.ETag), properties.LastModified);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    public async IAsyncEnumerable<BlobProperties> ListAsync(BlobPath prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var options = new GetBlobsOptions { Prefix = prefix.Name.Length == 0 ? null : prefix.Name };
        var pages = _service.GetBlobContainerClient(prefix.Container)
            .GetBlobsAsync(options, cancellationToken)
            .AsPages(pageSizeHint: _listPageSize);
        await using var page = pages.GetAsyncEnumerator(cancellationToken);
        while (await NextPageAsync(page))
        {
            foreach (var item in page.Current.Values)
            {
                if (NameProblem(prefix.Container, item.Name) is { } problem)
                {
                    // A name no blob path can hold ("a//b.png", "x/../y.png"): reported by the planner, never read.
                    yield return BlobProperties.Unreadable(BlobPath.Unvalidated(prefix.Container, item.Name), problem);
                    continue;
                }

                yield return new BlobProperties(
                    new BlobPath(prefix.Container, item.Name),
                    item.Properties.ContentLength ?? 0,
                    (item.Properties.ETag is { } etag ? Quoted(etag) : null) ?? throw new InvalidOperationException($"the listing of {prefix} gave blob \"{item.Name}\" without an ETag"),
                    item.Properties.LastModified ?? throw new InvalidOperationException($"the listing of {prefix} gave blob \"{item.Name}\" without a last-modified time"));
            }
        }
    }

    public async Task<bool> DeleteAsync(BlobPath path, CancellationToken cancellationToken = default)
    {
        try
        {
            return (await BlobOf(path).DeleteIfExistsAsync(cancellationToken: cancellationToken)).Value;
        }
        catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.ContainerNotFound)
        {
            return false;
        }
    }

    private BlobClient BlobOf(BlobPath path)
    {
        if (path.Name.Length == 0 || path.Name.EndsWith('/'))
        {
            throw new ArgumentException($"blob \"{path}\" names a folder, not a blob", nameof(path));
        }

        return _service.GetBlobContainerClient(path.Container).GetBlobClient(path.Name);
    }

    /// <summary>
    /// The ETag in its HTTP header form ("0x…" with quotes). Responses carry it quoted, listings unquoted; one form
    /// lets callers compare what a read, a property call and a listing say.
    /// </summary>
    private static string? NameProblem(string container, string name)
    {
        try
        {
            BlobPath.Validate(container, name);
            return null;
        }
        catch (ArgumentException e)
        {
            return "name not representable: " + e.Message;
        }
    }

    private static string Quoted(ETag etag) => $"\"{etag.ToString().Trim('"')}\"";

    /// <summary>Moves to the next listing page; a container that does not exist lists as empty.</summary>
    private static async Task<bool> NextPageAsync(IAsyncEnumerator<Page<BlobItem>> pages)
    {
        try
        {
            return await pages.MoveNextAsync();
        }
        catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.ContainerNotFound)
        {
            return false;
        }
    }
}
