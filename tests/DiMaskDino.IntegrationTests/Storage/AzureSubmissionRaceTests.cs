using DiMaskDino.IntegrationTests.Azurite;
using DiMaskDino.Pipeline.Azure.Storage;
using DiMaskDino.Pipeline.Storage;
using DiMaskDino.Pipeline.Tests.Planning;

namespace DiMaskDino.IntegrationTests.Storage;

/// <summary>The submission race on Azure Blob Storage as Azurite serves it (<c>If-None-Match: *</c> on job.json).</summary>
[Collection(AzuriteCollection.Name)]
[Trait("Category", "Integration")]
public sealed class AzureSubmissionRaceTests(AzuriteFixture azurite) : SubmissionRaceContract
{
    protected override async Task<IBlobStore> CreateStoreAsync()
    {
        var store = new AzureBlobStore(azurite.CreateBlobServiceClient());
        await store.EnsureContainersAsync(Containers.All);
        return store;
    }
}
