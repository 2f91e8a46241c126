using System.Text;
using DiMaskDino.Pipeline.Storage;

namespace DiMaskDino.Pipeline.Tests.Storage;

/// <summary>
/// What every <see cref="IBlobStore"/> adapter must do. A concrete subclass per adapter supplies the store; xunit makes
/// a new instance per test, and every test works in a container of its own, so tests never see each other's blobs.
/// </summary>
public abstract class BlobStoreContract
{
    /// <summary>A container no other test uses.</summary>
    protected string Container { get; } = "t" + Guid.NewGuid().ToString("N")[..20];

    /// <param name="listPageSize">blobs per listing page where the adapter pages (null: its default)</param>
    protected abstract IBlobStore CreateStore(int? listPageSize = null);

    private BlobPath Blob(string name) => new(Container, name);

    private static BinaryData Text(string text) => BinaryData.FromString(text);

    [Fact]
    public async Task Write_then_read_returns_the_bytes_and_the_etag_of_the_properties()
    {
        var store = CreateStore();
        var path = Blob("job/job.json");
        Assert.True(await store.WriteAsync(path, Text("{\"a\":1}"), WriteMode.Overwrite));

        var content = await store.ReadAsync(path);
        var properties = await store.GetPropertiesAsync(path);

        Assert.NotNull(content);
        Assert.NotNull(properties);
        Assert.Equal("{\"a\":1}", content.Data.ToString());
        Assert.Equal(7, properties.Length);
        Assert.Equal(properties.ETag, content.ETag);
        Assert.Equal(path, properties.Path);
        Assert.InRange(properties.LastModified, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(5));
    }

    [Fact]
    public async Task Missing_blob_reads_as_null_and_deletes_as_false()
    {
        var store = CreateStore();
        var path = Blob("nothing/here.json");

        Assert.Null(await store.ReadAsync(path));
        Assert.Null(await store.OpenReadAsync(path));
        Assert.Null(await store.GetPropertiesAsync(path));
        Assert.False(await store.DeleteAsync(path));
        Assert.Empty(await ListAsync(store, Blob("")));
    }

    [Fact]
    public async Task Empty_blob_round_trips()
    {
        var store = CreateStore();
        var path = Blob("empty");
        await store.WriteAsync(path, BinaryData.Empty, WriteMode.Overwrite);

        var content = await store.ReadAsync(path);

        Assert.NotNull(content);
        Assert.Equal(0, content.Data.ToMemory().Length);
        Assert.Equal(0, (await store.GetPropertiesAsync(path))!.Length);
    }

    [Fact]
    public async Task Overwrite_replaces_the_content_and_changes_the_etag_even_at_equal_length()
    {
        var store = CreateStore();
        var path = Blob("results/0.json");
        await store.WriteAsync(path, Text("first"), WriteMode.Overwrite);
        var before = await store.GetPropertiesAsync(path);

        Assert.True(await store.WriteAsync(path, Text("other"), WriteMode.Overwrite));
        var after = await store.ReadAsync(path);

        Assert.Equal("other", after!.Data.ToString());
        Assert.NotEqual(before!.ETag, after.ETag);
        Assert.Equal(after.ETag, (await store.GetPropertiesAsync(path))!.ETag);
    }

    [Fact]
    public async Task CreateNew_writes_when_absent_and_keeps_the_first_content_when_present()
    {
        var store = CreateStore();
        var path = Blob("results/1.json");

        Assert.True(await store.WriteAsync(path, Text("winner"), WriteMode.CreateNew));
        Assert.False(await store.WriteAsync(path, Text("loser"), WriteMode.CreateNew));

        Assert.Equal("winner", (await store.ReadAsync(path))!.Data.ToString());
    }

    [Fact]
    public async Task CreateNew_from_concurrent_writers_lets_exactly_one_win_and_keeps_its_content()
    {
        var store = CreateStore();
        var path = Blob("results/2.json");
        const int writers = 16;

        var outcomes = await Task.WhenAll(Enumerable.Range(0, writers).Select(i =>
            Task.Run(() => store.WriteAsync(path, Text($"writer {i} " + new string('x', 10_000 + i)), WriteMode.CreateNew))));

        var winner = Assert.Single(Enumerable.Range(0, writers), i => outcomes[i]);
        var content = (await store.ReadAsync(path))!.Data.ToString();
        Assert.Equal($"writer {winner} " + new string('x', 10_000 + winner), content);
        Assert.Single(await ListAsync(store, Blob("")));
    }

    [Fact]
    public async Task OpenRead_streams_the_content()
    {
        var store = CreateStore();
        var path = Blob("images/big.bin");
        var bytes = new byte[300_000];
        new Random(7).NextBytes(bytes);
        await store.WriteAsync(path, new BinaryData(bytes), WriteMode.Overwrite);

        await using var stream = await store.OpenReadAsync(path);
        using var copy = new MemoryStream();
        await stream!.CopyToAsync(copy);

        Assert.Equal(bytes, copy.ToArray());
    }

    [Fact]
    public async Task Listing_is_in_ordinal_name_order_and_filters_by_prefix()
    {
        var store = CreateStore();
        string[] names = ["b", "a/c/d.jpg", "a-b", "ab", "B", "a/b.jpg", "a.x", "a/c.png", "z z.png", "é.png", "a/c/a.jpg"];
        foreach (var name in names)
        {
            await store.WriteAsync(Blob(name), Text(name), WriteMode.Overwrite);
        }

        var all = await ListAsync(store, Blob(""));
        var folder = await ListAsync(store, Blob("a/"));
        var partial = await ListAsync(store, Blob("a/c"));
        var none = await ListAsync(store, Blob("q"));

        Assert.Equal(names.Order(StringComparer.Ordinal), all.Select(p => p.Path.Name));
        Assert.Equal(["a/b.jpg", "a/c.png", "a/c/a.jpg", "a/c/d.jpg"], folder.Select(p => p.Path.Name));
        Assert.Equal(["a/c.png", "a/c/a.jpg", "a/c/d.jpg"], partial.Select(p => p.Path.Name));
        Assert.Empty(none);
        Assert.All(all, p => Assert.Equal(Encoding.UTF8.GetByteCount(p.Path.Name), p.Length));
        Assert.All(all, p => Assert.Equal(Container, p.Path.Container));
    }

    [Fact]
    public async Task Listing_reports_the_same_etag_as_the_properties()
    {
        var store = CreateStore();
        await store.WriteAsync(Blob("x/1"), Text("one"), WriteMode.Overwrite);

        var listed = Assert.Single(await ListAsync(store, Blob("x/")));

        Assert.Equal((await store.GetPropertiesAsync(Blob("x/1")))!.ETag, listed.ETag);
        Assert.Equal(3, listed.Length);
    }

    [Fact]
    public async Task Listing_pages_through_more_blobs_than_one_page_holds()
    {
        var store = CreateStore(listPageSize: 2);
        var names = Enumerable.Range(0, 7).Select(i => $"shards/{i:D3}.json").ToArray();
        foreach (var name in names.Reverse())
        {
            await store.WriteAsync(Blob(name), Text(name), WriteMode.Overwrite);
        }

        var listed = await ListAsync(store, Blob("shards/"));

        Assert.Equal(names, listed.Select(p => p.Path.Name));
    }

    [Fact]
    public async Task Delete_removes_the_blob_once()
    {
        var store = CreateStore();
        var path = Blob("labels/x.json");
        await store.WriteAsync(path, Text("x"), WriteMode.Overwrite);

        Assert.True(await store.DeleteAsync(path));
        Assert.False(await store.DeleteAsync(path));
        Assert.Null(await store.ReadAsync(path));
        Assert.Empty(await ListAsync(store, Blob("labels/")));
    }

    [Fact]
    public async Task Names_with_spaces_and_unicode_round_trip_through_write_list_and_read()
    {
        var store = CreateStore();
        var path = Blob("my dataset/Ünïcødé 写真 (1).jpg");
        await store.WriteAsync(path, Text("pixels"), WriteMode.Overwrite);

        var listed = Assert.Single(await ListAsync(store, Blob("my dataset/")));

        Assert.Equal(path, listed.Path);
        Assert.Equal("pixels", (await store.ReadAsync(listed.Path))!.Data.ToString());
    }

    [Theory]
    [InlineData("../escape.json")]
    [InlineData("a/../../escape.json")]
    [InlineData("/etc/passwd")]
    [InlineData("a\\..\\b")]
    [InlineData("C:/windows")]
    [InlineData("./x")]
    public void Names_that_could_leave_the_root_are_rejected_before_any_adapter_sees_them(string name)
    {
        var error = Assert.Throws<ArgumentException>(() => Blob(name));

        Assert.Contains(name, error.Message, StringComparison.Ordinal);
    }

    protected static async Task<List<BlobProperties>> ListAsync(IBlobStore store, BlobPath prefix)
    {
        var result = new List<BlobProperties>();
        await foreach (var blob in store.ListAsync(prefix))
        {
            result.Add(blob);
        }

        return result;
    }
}
