using Azure.Storage.Blobs;
using DiMaskDino.Inference.Runtime;
using DiMaskDino.IntegrationTests.Azurite;
using DiMaskDino.TestSupport;
using Microsoft.ML.OnnxRuntime;

namespace DiMaskDino.IntegrationTests.Training;

/// <summary>
/// <c>dimaskdino-train train --data-blob/--val-blob/--publish</c> and <c>export --publish</c> as the Container Apps
/// training job runs them, against Azurite: the dataset comes from <c>datasets/</c>, the model goes to <c>models/</c>.
/// </summary>
[Collection(AzuriteCollection.Name)]
[Trait("Category", "Integration")]
public sealed class TrainBlobTests(AzuriteFixture azurite)
{
    private static ProcessRunner.Result Train(params string[] arguments) =>
        ProcessRunner.Run("dimaskdino-train.dll", TimeSpan.FromMinutes(5), arguments);

    /// <summary>Fresh datasets and models containers (the emulator is shared) holding a 6-image synthetic set under shapes/.</summary>
    private async Task<(BlobContainerClient Datasets, BlobContainerClient Models)> UploadDatasetAsync(TemporaryDirectory folder)
    {
        var synth = Train("synth", "--out", folder.File("synth"), "--count", "6", "--seed", "5", "--size", "64", "--split", "0.34");
        Assert.True(synth.ExitCode == 0, synth.StandardError);
        var service = azurite.CreateBlobServiceClient();
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var datasets = service.GetBlobContainerClient("datasets-" + suffix);
        var models = service.GetBlobContainerClient("models-" + suffix);
        await datasets.CreateAsync();
        await models.CreateAsync();
        foreach (var file in Directory.EnumerateFiles(folder.File("synth"), "*", SearchOption.AllDirectories))
        {
            var name = "shapes/" + Path.GetRelativePath(folder.File("synth"), file).Replace('\\', '/');
            await datasets.GetBlobClient(name).UploadAsync(file);
        }

        return (datasets, models);
    }

    private string[] Storage => ["--storage-connection-string", azurite.ConnectionString];

    [Fact]
    public async Task Train_downloads_the_blob_dataset_once_and_publishes_a_valid_model()
    {
        using var folder = new TemporaryDirectory();
        var (datasets, models) = await UploadDatasetAsync(folder);
        string[] common =
        [
            "train", "--data-blob", $"{datasets.Name}/shapes/train", "--val-blob", $"blob:{datasets.Name}/shapes/val", "--cache", folder.File("cache"),
            "--epochs", "1", "--batch", "2", "--canvas", "96", "--threads", "2", .. Storage,
        ];

        var first = Train([.. common, "--out", folder.File("run1"), "--publish", $"{models.Name}/tiny-01.onnx"]);

        Assert.True(first.ExitCode == 0, first.StandardError);
        Assert.Contains($"--data-blob {datasets.Name}/shapes/train: 5 files, 5 downloaded", first.StandardOutput);
        Assert.Contains($"--val-blob {datasets.Name}/shapes/val: 3 files, 3 downloaded", first.StandardOutput);
        Assert.Contains($"published: {models.Name}/tiny-01.onnx", first.StandardOutput);
        var published = (await models.GetBlobClient("tiny-01.onnx").DownloadContentAsync()).Value.Content.ToArray();
        Assert.Equal(File.ReadAllBytes(folder.File("run1", "model.onnx")), published);
        using (var session = new InferenceSession(published))
        {
            var description = ModelGraph.Describe(session, "tiny-01");
            Assert.Equal(["circle", "triangle", "square", "star", "ring", "cross"], description.Classes.Select(c => c.Name));
            Assert.Equal(96, description.InputHeight);
        }

        // Same blobs, same cache: nothing is fetched again. The model name is taken, so the run is refused before training.
        var refused = Train([.. common, "--out", folder.File("run2"), "--publish", $"{models.Name}/tiny-01.onnx"]);
        Assert.Equal(1, refused.ExitCode);
        Assert.Equal(
            $"error: --publish: {models.Name}/tiny-01.onnx already exists; publish under a new name or add --overwrite", refused.StandardError.Trim());
        Assert.False(Directory.Exists(folder.File("run2", "checkpoints")));

        var second = Train([.. common, "--out", folder.File("run2"), "--publish", $"{models.Name}/tiny-02.onnx"]);
        Assert.True(second.ExitCode == 0, second.StandardError);
        Assert.Contains($"--data-blob {datasets.Name}/shapes/train: 5 files, 0 downloaded (0.0 MiB), 5 already in", second.StandardOutput);
        Assert.Contains($"--val-blob {datasets.Name}/shapes/val: 3 files, 0 downloaded (0.0 MiB), 3 already in", second.StandardOutput);
        Assert.True((await models.GetBlobClient("tiny-02.onnx").ExistsAsync()).Value);

        // export --publish replaces a model only with --overwrite.
        var checkpoint = folder.File("run2", "checkpoints", "last");
        var export = Train(["export", "--checkpoint", checkpoint, "--out", folder.File("again.onnx"), "--publish", $"{models.Name}/tiny-01.onnx", "--overwrite", .. Storage]);
        Assert.True(export.ExitCode == 0, export.StandardError);
        Assert.Equal(File.ReadAllBytes(folder.File("again.onnx")), (await models.GetBlobClient("tiny-01.onnx").DownloadContentAsync()).Value.Content.ToArray());
    }

    [Fact]
    public async Task Bad_blob_references_give_one_line_errors()
    {
        using var folder = new TemporaryDirectory();
        var (datasets, models) = await UploadDatasetAsync(folder);
        await datasets.GetBlobClient("no-annotations/images/000000.png").UploadAsync(BinaryData.FromString("png"));

        (string Reference, string Error)[] cases =
        [
            ("blob:datasets", "error: --data-blob: 'blob:datasets' is not CONTAINER/PATH (e.g. datasets/shapes/train or models/tiny.onnx)"),
            ($"{datasets.Name}/missing", $"error: --data-blob: no blobs under {datasets.Name}/missing/"),
            ($"{datasets.Name}/no-annotations", $"error: --data-blob: {datasets.Name}/no-annotations/ is not a COCO dataset (no annotations.json)"),
            ("nocontainer-x/shapes/train", "error: --data-blob: container 'nocontainer-x' does not exist"),
        ];
        foreach (var (reference, error) in cases)
        {
            var result = Train(["train", "--data-blob", reference, "--out", folder.File("run"), .. Storage]);
            Assert.Equal(1, result.ExitCode);
            Assert.Equal(error, result.StandardError.Trim());
        }

        var notOnnx = Train(["train", "--data-blob", $"{datasets.Name}/shapes/train", "--out", folder.File("run"), "--publish", $"{models.Name}/tiny", .. Storage]);
        Assert.Equal(1, notOnnx.ExitCode);
        Assert.Equal($"error: --publish: '{models.Name}/tiny' must name an .onnx blob, e.g. models/tiny-01.onnx", notOnnx.StandardError.Trim());

        var noStorage = Train("train", "--data-blob", $"{datasets.Name}/shapes/train", "--out", folder.File("run"));
        Assert.Equal(1, noStorage.ExitCode);
        Assert.StartsWith("error: blob storage needs --storage-connection-string or --blob-uri", noStorage.StandardError.Trim());
        Assert.False(Directory.Exists(folder.File("run", "checkpoints")));
    }
}
