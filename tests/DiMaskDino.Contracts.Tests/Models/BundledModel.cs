using DiMaskDino.Contracts.Models;
using DiMaskDino.TestSupport;

namespace DiMaskDino.Contracts.Tests.Models;

/// <summary>The repository's demo model, a real <c>dimaskdino-train export</c> (models/README.md).</summary>
internal static class BundledModel
{
    public static string Path { get; } = System.IO.Path.Combine(SharedFiles.RepositoryRoot, "models", "dimaskdino-tiny-shapes.onnx");

    /// <summary>Its metadata_props, read without ONNX Runtime.</summary>
    public static async Task<Dictionary<string, string>> PropsAsync()
    {
        await using var file = File.OpenRead(Path);
        return await OnnxMetadataReader.ReadAsync(file, "tiny-shapes.onnx");
    }
}
