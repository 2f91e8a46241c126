using DiMaskDino.Contracts.Models;
using DiMaskDino.Pipeline.Storage;

namespace DiMaskDino.Pipeline.Checkpoints;

/// <summary>Checks a model blob is an exported DiMaskDino model by its metadata alone (no ONNX Runtime, no graph download).</summary>
public static class ModelBlobs
{
    /// <exception cref="InvalidDataException">the blob does not exist, is not ONNX, or its <c>dimaskdino.*</c> metadata is missing or malformed (the message names the key)</exception>
    public static async Task<ModelMetadata> DescribeAsync(IBlobStore store, BlobPath model, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        await using var stream = await store.OpenReadAsync(model, cancellationToken) ?? throw new InvalidDataException($"model {model} does not exist");
        var props = await OnnxMetadataReader.ReadAsync(stream, model.ToString(), cancellationToken);
        return ModelMetadata.Parse(props, model.ToString());
    }
}
