using DiMaskDino.IntegrationTests.Azurite;
using DiMaskDino.Pipeline.Azure.Storage;
using DiMaskDino.Pipeline.Storage;
using DiMaskDino.Pipeline.Tests.Storage;

namespace DiMaskDino.IntegrationTests.Storage;

/// <summary>The shared blob-store contract against Azure Blob Storage as Azurite serves it, plus what only this adapter does.</summary>
[Collection(AzuriteCollection.Name)]
[Trait("Category", "Integration")]
public sealed class AzureBlobStoreTests(AzuriteFixture azurite) : BlobStoreContract
{
    protected override IBlobStore CreateStore(int? listPageSize = null) => new AzureBlobStore(azurite.CreateBlobServiceClient(), listPageSize);

    [Fact]
    public async Task EnsureContainers_creates_the_layout_containers_and_is_repeatable()
    {
        var service = azurite.CreateBlobServiceClient();
        var store = new AzureBlobStore(service);
        string[] containers = [Container + "a", Container + "b"];

        await store.EnsureContainersAsync(containers);
        await store.EnsureContainersAsync(containers);

        foreach (var container in containers)
        {
            Assert.True((await service.GetBlobContainerClient(container).ExistsAsync()).Value);
        }
    }

    [Fact]
    public async Task Blobs_written_by_other_tools_are_listed_and_read_with_the_service_etag()
    {
        var service = azurite.CreateBlobServiceClient();
        var container = service.GetBlobContainerClient(Container);
        await container.CreateAsync();
        var uploaded = (await container.GetBlobClient("ds/photo 1.jpg").UploadAsync(BinaryData.FromString("jpeg"))).Value;
        var store = CreateStore();

        var listed = Assert.Single(await ListAsync(store, new BlobPath(Container, "ds/")));
        var content = await store.ReadAsync(listed.Path);

        var serviceETag = $"\"{uploaded.ETag.ToString().Trim('"')}\"";
        Assert.Equal(serviceETag, listed.ETag);
        Assert.Equal(serviceETag, content!.ETag);
        Assert.Equal("jpeg", content.Data.ToString());
    }

    [Fact]
    public async Task A_blob_name_with_a_tab_or_a_backslash_is_listed_and_read_instead_of_failing_the_listing()
    {
        var service = azurite.CreateBlobServiceClient();
        var container = service.GetBlobContainerClient(Container);
        await container.CreateAsync();
        await container.GetBlobClient("ds/tab\there.png").UploadAsync(BinaryData.FromString("tab"));
        await container.GetBlobClient("ds/ok.png").UploadAsync(BinaryData.FromString("ok"));
        var store = CreateStore();

        var listed = await ListAsync(store, new BlobPath(Container, "ds/"));

        Assert.Equal(["ds/ok.png", "ds/tab\there.png"], listed.Select(b => b.Path.Name));
        Assert.All(listed, b => Assert.Null(b.Problem));
        Assert.Equal("tab", (await store.ReadAsync(listed[1].Path))!.Data.ToString());
    }

    [Fact]
    public async Task A_stream_opened_before_an_overwrite_fails_rather_than_mixing_two_versions()
    {
        var store = CreateStore();
        var path = new BlobPath(Container, "models/m.onnx");
        var first = new byte[6 * 1024 * 1024];
        first.AsSpan().Fill(1);
        await store.WriteAsync(path, new BinaryData(first), WriteMode.Overwrite);

        await using var stream = await store.OpenReadAsync(path);
        var buffer = new byte[1024];
        await stream!.ReadExactlyAsync(buffer);
        await store.WriteAsync(path, BinaryData.FromString("replaced"), WriteMode.Overwrite);

        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            var rest = new byte[first.Length];
            while (await stream.ReadAsync(rest) > 0)
            {
            }
        });
    }
}
