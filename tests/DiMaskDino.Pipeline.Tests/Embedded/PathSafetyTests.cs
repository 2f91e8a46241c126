using DiMaskDino.Pipeline.Embedded;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Planning;
using DiMaskDino.Pipeline.Queues;
using DiMaskDino.Pipeline.Storage;
using DiMaskDino.Pipeline.Tests.Fixtures;
using DiMaskDino.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiMaskDino.Pipeline.Tests.Embedded;

/// <summary>Names with "..", absolute paths or links cannot make the pipeline read or write outside its roots.</summary>
[Collection(PipelineCollection.Name)]
public sealed class PathSafetyTests(TinyModel model)
{
    [Theory]
    [InlineData("../secret.png")]
    [InlineData("a/../../secret.png")]
    [InlineData("/etc/passwd")]
    [InlineData("C:/Windows/win.ini")]
    [InlineData("a\\..\\secret.png")]
    public void Image_names_that_could_leave_the_container_are_refused(string name)
    {
        Assert.Throws<ArgumentException>(() => JobPaths.Image(name));
    }

    [Theory]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData("../jobs")]
    [InlineData("")]
    public void Dataset_names_and_job_ids_are_single_safe_segments(string name)
    {
        Assert.Throws<ArgumentException>(() => JobPaths.Latest(name));
        Assert.Throws<ArgumentException>(() => JobPaths.Job(name));
    }

    [Theory]
    [InlineData("../", null)]
    [InlineData("", "../../etc/passwd")]
    [InlineData("", "/etc/passwd")]
    public async Task Requests_with_an_escaping_prefix_or_ground_truth_are_refused_before_anything_is_written(string prefix, string? groundTruth)
    {
        using var harness = new EmbeddedHarness(model);
        var submitter = new JobSubmitter(harness.Jobs, new InProcessWorkQueue("shards", 5), harness.Options, TimeProvider.System, NullLogger<JobSubmitter>.Instance);

        var refused = await Assert.ThrowsAsync<JobRequestException>(() => submitter.SubmitAsync(harness.Request() with { ImagesPrefix = prefix, GroundTruth = groundTruth }));

        Assert.Equal(groundTruth is null ? JobRequestField.ImagesPrefix : JobRequestField.GroundTruth, Assert.Single(refused.Errors).Key);

        Assert.False(Directory.Exists(Path.Combine(harness.Work.Root, Containers.Jobs)));
    }

    [Fact]
    public async Task The_input_folder_is_read_only_and_links_out_of_it_are_refused()
    {
        using var temp = new TemporaryDirectory();
        var input = Directory.CreateDirectory(temp.File("input")).FullName;
        File.WriteAllText(temp.File("secret.txt"), "outside");
        SyntheticImages.Write(input, "ok.png", 1);
        var store = new InputFolderStore(input);

        await Assert.ThrowsAsync<InvalidOperationException>(() => store.WriteAsync(JobPaths.Image("new.png"), BinaryData.FromString("x"), WriteMode.Overwrite));
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.DeleteAsync(JobPaths.Image("ok.png")));
        await Assert.ThrowsAsync<ArgumentException>(() => store.ReadAsync(new BlobPath(Containers.Jobs, "x.json")));

        File.CreateSymbolicLink(Path.Combine(input, "link.png"), temp.File("secret.txt"));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => store.ReadAsync(JobPaths.Image("link.png")));
        var listed = new List<BlobProperties>();
        await foreach (var blob in store.ListAsync(JobPaths.ImagesPrefix("")))
        {
            listed.Add(blob);
        }

        Assert.Equal(["link.png", "ok.png"], listed.Select(b => b.Path.Name));
        Assert.Contains("leads outside the input folder", listed[0].Problem, StringComparison.Ordinal);
        Assert.Null(listed[1].Problem);
        Assert.NotNull(await store.ReadAsync(JobPaths.Image("ok.png")));
    }

    [Fact]
    public async Task An_output_folder_inside_the_input_folder_is_not_listed_as_input()
    {
        using var temp = new TemporaryDirectory();
        var input = Directory.CreateDirectory(temp.File("input")).FullName;
        SyntheticImages.Write(input, "a.png", 1);
        SyntheticImages.Write(input, "out/previews/a.png", 2);
        var store = new InputFolderStore(input, excluded: Path.Combine(input, "out"));

        var names = new List<string>();
        await foreach (var blob in store.ListAsync(JobPaths.ImagesPrefix("")))
        {
            names.Add(blob.Path.Name);
        }

        Assert.Equal(["a.png"], names);
    }
}
