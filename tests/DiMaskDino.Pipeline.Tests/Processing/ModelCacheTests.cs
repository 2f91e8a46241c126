using DiMaskDino.Inference.Batching;
using DiMaskDino.Inference.Runtime;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.Pipeline.Processing;
using DiMaskDino.Pipeline.Storage;
using DiMaskDino.Pipeline.Tests.Fixtures;
using DiMaskDino.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiMaskDino.Pipeline.Tests.Processing;

[Collection(PipelineCollection.Name)]
public sealed class ModelCacheTests(TinyModel model)
{
    private static readonly InferenceOptions Cpu = new() { PreferredProvider = ExecutionProvider.Cpu, IntraOpThreads = 1 };

    [Fact]
    public async Task A_file_model_is_loaded_once_into_the_shared_session_cache_under_its_file_uri_and_version_and_outlives_the_pipeline_cache()
    {
        using var temp = new TemporaryDirectory();
        using var sessions = new ModelSessionCache(Cpu, NullLoggerFactory.Instance);
        var reference = new ModelReference(ModelLocation.File, model.Path, "sha256:test");
        var uri = new Uri(Path.GetFullPath(model.Path));
        using (var cache = new ModelCache(new LocalFolderBlobStore(temp.File("store")), Options(temp), NullLoggerFactory.Instance, sessions))
        {
            var plain = await cache.GetAsync(reference, new LabelingThresholds());
            var other = await cache.GetAsync(reference, new LabelingThresholds { ScoreThreshold = 0.1 });
            Assert.Equal(1, cache.SessionsOpened);
            Assert.Same(plain.Model, other.Model);
            using var lease = await sessions.GetOrCreateAsync(uri, "sha256:test", _ => throw new InvalidOperationException("loaded a second time"));
            Assert.Same(lease.Session.Metadata, plain.Model);
        }

        using var after = await sessions.GetOrCreateAsync(uri, "sha256:test", _ => throw new InvalidOperationException("loaded a second time"));
        Assert.Equal(TinyModel.Categories.Count, after.Session.Metadata.Classes.Count);
    }

    [Fact]
    public async Task A_blob_model_is_downloaded_once_to_the_cache_directory_and_refused_when_its_etag_is_not_the_jobs_version()
    {
        using var temp = new TemporaryDirectory();
        var store = new LocalFolderBlobStore(temp.File("store"));
        var blob = JobPaths.Model("tiny.onnx");
        await store.WriteAsync(blob, BinaryData.FromBytes(await File.ReadAllBytesAsync(model.Path)), WriteMode.Overwrite);
        var etag = (await store.GetPropertiesAsync(blob))!.ETag;
        using var cache = new ModelCache(store, Options(temp), NullLoggerFactory.Instance);

        var predictor = await cache.GetAsync(new ModelReference(ModelLocation.Blob, "tiny.onnx", etag), new LabelingThresholds());
        await cache.GetAsync(new ModelReference(ModelLocation.Blob, "tiny.onnx", etag), new LabelingThresholds { DetectionsPerImage = 5 });

        Assert.Equal(TinyModel.Categories.Count, predictor.Model.Classes.Count);
        Assert.Equal(1, cache.SessionsOpened);
        Assert.Single(Directory.GetFiles(temp.File("cache")));
        var error = await Assert.ThrowsAsync<InvalidDataException>(
            () => cache.GetAsync(new ModelReference(ModelLocation.Blob, "tiny.onnx", "\"0xother\""), new LabelingThresholds()));
        Assert.Contains("changed since the job was submitted", error.Message, StringComparison.Ordinal);
    }

    private static ModelCacheOptions Options(TemporaryDirectory temp) => new()
    {
        CacheDirectory = temp.File("cache"),
        Inference = Cpu,
        Batching = new BatchPredictorOptions { BatchSize = 2, DecodeParallelism = 1 },
    };
}
