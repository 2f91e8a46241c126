using System.Text.Json;
using DiMaskDino.Pipeline.Embedded;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Storage;
using DiMaskDino.Pipeline.Tests.Fixtures;
using DiMaskDino.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiMaskDino.Pipeline.Tests.Embedded;

/// <summary>A folder built as a hostile user would: no entry stops the job, each is labeled or fails with its reason.</summary>
[Collection(PipelineCollection.Name)]
public sealed class HostileFolderTests(TinyModel model)
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Links_fifos_odd_names_and_non_utf8_names_are_each_labeled_or_failed_with_a_reason_and_the_job_completes()
    {
        using var harness = new EmbeddedHarness(model);
        var input = harness.Input;
        string[] oddNames = ["new\nline.png", "tab\there.png", "back\\slash.png", "quote\"and\u0001.png"];
        SyntheticImages.Write(input, "good.png", 1);
        foreach (var (name, index) in oddNames.Select((n, i) => (n, i)))
        {
            SyntheticImages.Write(input, name, index + 2);
        }

        SyntheticImages.Write(input, "x.png/inside.png", 9);
        File.WriteAllText(harness.TempFile("secret.txt"), "outside the input");
        File.CreateSymbolicLink(Path.Combine(input, "link-out.png"), harness.TempFile("secret.txt"));
        File.CreateSymbolicLink(Path.Combine(input, "dangling.png"), Path.Combine(input, "nothing-here.png"));
        File.CreateSymbolicLink(Path.Combine(input, "loop-a.png"), Path.Combine(input, "loop-b.png"));
        File.CreateSymbolicLink(Path.Combine(input, "loop-b.png"), Path.Combine(input, "loop-a.png"));
        Directory.CreateDirectory(Path.Combine(input, "sub"));
        Directory.CreateSymbolicLink(Path.Combine(input, "sub", "up"), input);
        HostileFiles.Fifo(Path.Combine(input, "p.png"));
        HostileFiles.NonUtf8Name(input, ".png");

        EmbeddedRunResult result;
        try
        {
            result = await harness.RunAsync(harness.Request(shardSize: 3)).WaitAsync(Patience);
        }
        finally
        {
            HostileFiles.RemoveNonUtf8Name(input, ".png");
        }

        Assert.Equal(JobState.Completed, result.Job.State);
        var annotations = JsonDocument.Parse(await harness.OutputAsync(result.Job.JobId, JobPaths.AnnotationsFile)).RootElement;
        var labeled = annotations.GetProperty("images").EnumerateArray().Select(i => i.GetProperty("file_name").GetString()!).ToList();
        Assert.Equal(["back\\slash.png", "good.png", "new\nline.png", "quote\"and\u0001.png", "tab\there.png", "x.png/inside.png"], labeled.Order(StringComparer.Ordinal));
        var failures = JsonDocument.Parse(await harness.OutputAsync(result.Job.JobId, JobPaths.FailuresFile)).RootElement.EnumerateArray()
            .ToDictionary(f => f.GetProperty("file_name").GetString()!, f => f.GetProperty("reason").GetString()!);
        Assert.Contains("leads outside the input folder", failures["link-out.png"], StringComparison.Ordinal);
        Assert.Contains("dangling symbolic link", failures["dangling.png"], StringComparison.Ordinal);
        Assert.Contains("loop", failures["loop-a.png"], StringComparison.Ordinal);
        Assert.Contains("loop", failures["loop-b.png"], StringComparison.Ordinal);
        Assert.Contains("loop", failures["sub/up"], StringComparison.Ordinal);
        Assert.Contains("not a regular file (a FIFO)", failures["p.png"], StringComparison.Ordinal);
        Assert.Contains("not valid UTF-8", failures["\uFFFD.png"], StringComparison.Ordinal);
        Assert.Equal(7, failures.Count);
        Assert.Equal((13L, 6L, 7L), (result.Summary.ImagesTotal, result.Summary.ImagesLabeled, result.Summary.ImagesFailed));
        Assert.Equal(6L, result.Summary.ImagesLabeledThisJob);  // failed images are not "labeled by the model"
    }

    [Fact]
    public async Task A_fifo_put_where_the_listing_saw_a_file_is_refused_without_opening_it()
    {
        using var temp = new TemporaryDirectory();
        HostileFiles.Fifo(temp.File("p.png"));
        var store = new InputFolderStore(temp.Path);

        var error = await Assert.ThrowsAsync<UnreadableBlobException>(() => store.ReadAsync(JobPaths.Image("p.png")).WaitAsync(Patience));

        Assert.Contains("not a regular file (a FIFO)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_image_whose_read_never_ends_fails_at_the_time_limit_and_the_others_are_labeled()
    {
        using var harness = new EmbeddedHarness(model, new PipelineOptions { LockRenewInterval = TimeSpan.FromSeconds(2), ImageReadTimeout = TimeSpan.FromSeconds(1) });
        SyntheticImages.WriteMany(harness.Input, 3);
        var stalled = new StallingStore(harness.Store, stalledName: "img-001.png");
        var runner = new EmbeddedJobRunner(stalled, harness.Models, harness.Options, NullLoggerFactory.Instance);

        var result = await runner.RunAsync(harness.Request(), 1, null, CancellationToken.None).WaitAsync(Patience);

        Assert.Equal((3L, 2L, 1L), (result.Summary.ImagesTotal, result.Summary.ImagesLabeled, result.Summary.ImagesFailed));
        var failure = Assert.Single(JsonDocument.Parse(await harness.OutputAsync(result.Job.JobId, JobPaths.FailuresFile)).RootElement.EnumerateArray());
        Assert.Contains("the time limit for one image", failure.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    /// <summary>A store whose read of one image never completes (a stalled download), otherwise the real one.</summary>
    private sealed class StallingStore(IBlobStore inner, string stalledName) : IBlobStore
    {
        public async Task<BlobContent?> ReadAsync(BlobPath path, CancellationToken cancellationToken = default)
        {
            if (path.Container == Containers.Images && path.Name == stalledName)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            return await inner.ReadAsync(path, cancellationToken);
        }

        public Task<Stream?> OpenReadAsync(BlobPath path, CancellationToken cancellationToken = default) => inner.OpenReadAsync(path, cancellationToken);

        public Task<bool> WriteAsync(BlobPath path, BinaryData content, WriteMode mode, CancellationToken cancellationToken = default) =>
            inner.WriteAsync(path, content, mode, cancellationToken);

        public Task<BlobProperties?> GetPropertiesAsync(BlobPath path, CancellationToken cancellationToken = default) => inner.GetPropertiesAsync(path, cancellationToken);

        public IAsyncEnumerable<BlobProperties> ListAsync(BlobPath prefix, CancellationToken cancellationToken = default) => inner.ListAsync(prefix, cancellationToken);

        public Task<bool> DeleteAsync(BlobPath path, CancellationToken cancellationToken = default) => inner.DeleteAsync(path, cancellationToken);
    }
}
