using System.Runtime.CompilerServices;
using DiMaskDino.Pipeline.Embedded;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Planning;
using DiMaskDino.Pipeline.Storage;
using DiMaskDino.Pipeline.Tests.Fixtures;
using DiMaskDino.TestSupport;

namespace DiMaskDino.Pipeline.Tests.Planning;

public sealed class JobPlannerTests
{
    [Fact]
    public async Task Planning_assigns_ids_in_name_order_and_writes_each_shard_before_the_listing_goes_on()
    {
        using var temp = new TemporaryDirectory();
        var input = Directory.CreateDirectory(temp.File("input")).FullName;
        foreach (var name in new[] { "b.png", "a.png", "c/d.png", "c-e.png", "f.jpg", "g.png", "h.png", "i.png", "j.png", "notes.txt" })
        {
            SyntheticImages.Write(input, name, name.Length);
        }

        var work = new LocalFolderBlobStore(temp.File("work"));
        var manifestsSeen = new List<int>();
        var listing = new ListingProbe(new InputFolderStore(input), () => manifestsSeen.Add(Directory.Exists(Path.Combine(work.Root, "jobs", "j1", "shards"))
            ? Directory.GetFiles(Path.Combine(work.Root, "jobs", "j1", "shards")).Length
            : 0));
        var store = new ContainerRoutedBlobStore(work, new Dictionary<string, IBlobStore> { [Containers.Images] = listing });
        var request = new JobRequest { Dataset = "d", ImagesPrefix = "", Model = new ModelReference(ModelLocation.File, "/m.onnx", "v"), ShardSize = 3 };
        var planner = new JobPlanner(new JobStore(store));

        var counted = await planner.CountAsync(request, baseJob: null);
        Assert.False(Directory.Exists(Path.Combine(work.Root, "jobs")));
        manifestsSeen.Clear();
        var planned = await planner.PlanAsync("j1", request, baseJob: null);

        Assert.Equal(counted, planned);
        Assert.Equal(new PlanCounts(ToLabel: 9, Carried: 0, Removed: 0, Skipped: 1, Shards: 3, MaxImageId: 9), planned);
        var jobs = new JobStore(store);
        var manifests = new List<ShardManifest>();
        for (var shard = 0; shard < 3; shard++)
        {
            manifests.Add(await jobs.RequireManifestAsync("j1", shard));
        }

        // Ordinal blob-name order: "c-e.png" < "c/d.png" ('-' < '/').
        Assert.Equal(["a.png", "b.png", "c-e.png", "c/d.png", "f.jpg", "g.png", "h.png", "i.png", "j.png"], manifests.SelectMany(m => m.Images).Select(i => i.Name));
        Assert.Equal(Enumerable.Range(1, 9).Select(i => (long)i), manifests.SelectMany(m => m.Images).Select(i => i.Id));
        Assert.All(manifests, m => Assert.Equal(3, m.Images.Count));

        // When the 7th name was listed, shards 0 and 1 were already on disk: the listing is never held whole.
        Assert.Equal(2, manifestsSeen[6]);
    }

    /// <summary>The real input store, calling back before each listed blob is handed on.</summary>
    private sealed class ListingProbe(IBlobStore inner, Action beforeEach) : IBlobStore
    {
        public Task<BlobContent?> ReadAsync(BlobPath path, CancellationToken cancellationToken = default) => inner.ReadAsync(path, cancellationToken);

        public Task<Stream?> OpenReadAsync(BlobPath path, CancellationToken cancellationToken = default) => inner.OpenReadAsync(path, cancellationToken);

        public Task<bool> WriteAsync(BlobPath path, BinaryData content, WriteMode mode, CancellationToken cancellationToken = default) =>
            inner.WriteAsync(path, content, mode, cancellationToken);

        public Task<BlobProperties?> GetPropertiesAsync(BlobPath path, CancellationToken cancellationToken = default) => inner.GetPropertiesAsync(path, cancellationToken);

        public async IAsyncEnumerable<BlobProperties> ListAsync(BlobPath prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await foreach (var blob in inner.ListAsync(prefix, cancellationToken))
            {
                beforeEach();
                yield return blob;
            }
        }

        public Task<bool> DeleteAsync(BlobPath path, CancellationToken cancellationToken = default) => inner.DeleteAsync(path, cancellationToken);
    }
}
