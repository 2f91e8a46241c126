using DiMaskDino.Pipeline.Storage;
using DiMaskDino.TestSupport;

namespace DiMaskDino.Pipeline.Tests.Storage;

public sealed class LocalFolderBlobStoreTests : BlobStoreContract, IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    private string Root => Path.Combine(_directory.Path, "root");

    protected override IBlobStore CreateStore(int? listPageSize = null) => new LocalFolderBlobStore(Root);

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Containers_are_folders_under_the_root_and_names_are_paths()
    {
        var store = CreateStore();
        await store.WriteAsync(new BlobPath(Container, "ds/a b/c.json"), BinaryData.FromString("c"), WriteMode.Overwrite);

        Assert.Equal("c", File.ReadAllText(Path.Combine(Root, Container, "ds", "a b", "c.json")));
    }

    [Fact]
    public async Task Files_put_there_by_hand_are_blobs()
    {
        Directory.CreateDirectory(Path.Combine(Root, Container, "ds"));
        File.WriteAllText(Path.Combine(Root, Container, "ds", "img.jpg"), "jpeg");
        var store = CreateStore();

        var listed = Assert.Single(await ListAsync(store, new BlobPath(Container, "")));

        Assert.Equal("ds/img.jpg", listed.Path.Name);
        Assert.Equal("jpeg", (await store.ReadAsync(listed.Path))!.Data.ToString());
    }

    [Fact]
    public async Task Temporary_files_left_by_a_crashed_writer_are_never_listed()
    {
        var store = CreateStore();
        await store.WriteAsync(new BlobPath(Container, "r/0.json"), BinaryData.FromString("0"), WriteMode.Overwrite);
        File.WriteAllText(Path.Combine(Root, Container, "r", ".~tmp-0123456789abcdef"), "half");

        var listed = Assert.Single(await ListAsync(store, new BlobPath(Container, "")));

        Assert.Equal("r/0.json", listed.Path.Name);
    }

    [Fact]
    public async Task Blob_names_using_the_temporary_prefix_are_rejected()
    {
        var store = CreateStore();

        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            store.WriteAsync(new BlobPath(Container, "r/.~tmp-x"), BinaryData.FromString("x"), WriteMode.Overwrite));

        Assert.Contains(".~tmp-", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_folder_is_not_a_blob()
    {
        var store = CreateStore();
        await store.WriteAsync(new BlobPath(Container, "a/b"), BinaryData.FromString("b"), WriteMode.Overwrite);

        Assert.Null(await store.ReadAsync(new BlobPath(Container, "a")));
        Assert.Null(await store.GetPropertiesAsync(new BlobPath(Container, "a")));
        Assert.False(await store.DeleteAsync(new BlobPath(Container, "a")));
        await Assert.ThrowsAsync<ArgumentException>(() => store.ReadAsync(new BlobPath(Container, "a/")));
    }

    [Fact]
    public async Task A_blob_where_a_folder_of_blobs_exists_fails_clearly_instead_of_replacing_it()
    {
        var store = CreateStore();
        await store.WriteAsync(new BlobPath(Container, "a/b"), BinaryData.FromString("b"), WriteMode.Overwrite);

        await Assert.ThrowsAnyAsync<IOException>(() =>
            store.WriteAsync(new BlobPath(Container, "a"), BinaryData.FromString("a"), WriteMode.Overwrite));
        Assert.Equal("b", (await store.ReadAsync(new BlobPath(Container, "a/b")))!.Data.ToString());
    }

    [Fact]
    public async Task A_symbolic_link_to_a_file_outside_the_root_is_refused_for_reads_and_writes_and_listed_as_a_problem()
    {
        var outside = Path.Combine(_directory.Path, "secret.txt");
        File.WriteAllText(outside, "secret");
        var store = CreateStore();
        Directory.CreateDirectory(Path.Combine(Root, Container, "ds"));
        File.CreateSymbolicLink(Path.Combine(Root, Container, "ds", "link.jpg"), outside);
        var path = new BlobPath(Container, "ds/link.jpg");

        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => store.ReadAsync(path));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => store.WriteAsync(path, BinaryData.FromString("x"), WriteMode.Overwrite));
        var listed = Assert.Single(await ListAsync(store, new BlobPath(Container, "ds/")));
        Assert.Equal(path, listed.Path);
        Assert.Contains("leads outside", listed.Problem, StringComparison.Ordinal);
        Assert.Equal("secret", File.ReadAllText(outside));
    }

    [Fact]
    public async Task A_symbolic_link_to_a_folder_outside_the_root_is_refused_also_for_blobs_below_it()
    {
        var outside = Path.Combine(_directory.Path, "elsewhere");
        Directory.CreateDirectory(outside);
        File.WriteAllText(Path.Combine(outside, "x.json"), "x");
        var store = CreateStore();
        Directory.CreateDirectory(Path.Combine(Root, Container));
        Directory.CreateSymbolicLink(Path.Combine(Root, Container, "escape"), outside);

        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => store.ReadAsync(new BlobPath(Container, "escape/x.json")));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() =>
            store.WriteAsync(new BlobPath(Container, "escape/new.json"), BinaryData.FromString("n"), WriteMode.CreateNew));
        var listed = Assert.Single(await ListAsync(store, new BlobPath(Container, "")));
        Assert.Equal(("escape", true), (listed.Path.Name, listed.IsFolder));
        Assert.Contains("leads outside", listed.Problem, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(outside, "new.json")));
    }

    [Fact]
    public async Task A_symbolic_link_that_stays_inside_the_root_is_followed()
    {
        var store = CreateStore();
        await store.WriteAsync(new BlobPath(Container, "real/x.json"), BinaryData.FromString("x"), WriteMode.Overwrite);
        Directory.CreateSymbolicLink(Path.Combine(Root, Container, "alias"), Path.Combine(Root, Container, "real"));

        Assert.Equal("x", (await store.ReadAsync(new BlobPath(Container, "alias/x.json")))!.Data.ToString());
        Assert.Equal(["alias/x.json", "real/x.json"], (await ListAsync(store, new BlobPath(Container, ""))).Select(b => b.Path.Name));
    }

    [Fact]
    public async Task A_symbolic_link_looping_back_to_a_folder_above_it_is_listed_as_a_loop_instead_of_walking_forever()
    {
        var store = CreateStore();
        await store.WriteAsync(new BlobPath(Container, "a/x.json"), BinaryData.FromString("x"), WriteMode.Overwrite);
        Directory.CreateSymbolicLink(Path.Combine(Root, Container, "a", "loop"), Path.Combine(Root, Container));

        var listed = await ListAsync(store, new BlobPath(Container, ""));

        Assert.Equal(["a/loop", "a/x.json"], listed.Select(b => b.Path.Name));
        Assert.Contains("loop", listed[0].Problem, StringComparison.Ordinal);
        Assert.Null(listed[1].Problem);
    }

    [Fact]
    public async Task Two_symbolic_links_leading_into_each_other_are_listed_as_loops_instead_of_walking_forever()
    {
        var store = CreateStore();
        await store.WriteAsync(new BlobPath(Container, "a/x.json"), BinaryData.FromString("x"), WriteMode.Overwrite);
        await store.WriteAsync(new BlobPath(Container, "b/y.json"), BinaryData.FromString("y"), WriteMode.Overwrite);
        Directory.CreateSymbolicLink(Path.Combine(Root, Container, "a", "to-b"), Path.Combine(Root, Container, "b"));
        Directory.CreateSymbolicLink(Path.Combine(Root, Container, "b", "to-a"), Path.Combine(Root, Container, "a"));

        var listed = await ListAsync(store, new BlobPath(Container, ""));

        Assert.Equal(["a/to-b/to-a", "a/to-b/y.json", "a/x.json", "b/to-a/to-b", "b/to-a/x.json", "b/y.json"], listed.Select(b => b.Path.Name));
        Assert.All(listed.Where(b => b.Path.Name.EndsWith("to-a", StringComparison.Ordinal) || b.Path.Name.EndsWith("to-b", StringComparison.Ordinal)),
            b => Assert.Contains("loop", b.Problem, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_root_reached_through_a_symbolic_link_still_works()
    {
        Directory.CreateDirectory(Root);
        var linkedRoot = Path.Combine(_directory.Path, "linked-root");
        Directory.CreateSymbolicLink(linkedRoot, Root);
        var store = new LocalFolderBlobStore(linkedRoot);

        await store.WriteAsync(new BlobPath(Container, "x"), BinaryData.FromString("x"), WriteMode.CreateNew);

        Assert.Equal("x", (await store.ReadAsync(new BlobPath(Container, "x")))!.Data.ToString());
    }

    [Fact]
    public async Task A_reader_keeps_the_bytes_it_opened_while_a_writer_replaces_the_blob()
    {
        var store = CreateStore();
        var path = new BlobPath(Container, "m.onnx");
        await store.WriteAsync(path, BinaryData.FromString("old"), WriteMode.Overwrite);

        await using var stream = await store.OpenReadAsync(path);
        await store.WriteAsync(path, BinaryData.FromString("new!"), WriteMode.Overwrite);
        using var reader = new StreamReader(stream!);

        Assert.Equal("old", await reader.ReadToEndAsync());
        Assert.Equal("new!", (await store.ReadAsync(path))!.Data.ToString());
    }
}
