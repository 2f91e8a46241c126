using DiMaskDino.Model.Backbone;
using Microsoft.ML.OnnxRuntime;

namespace DiMaskDino.Model.Tests;

/// <summary>
/// Reads the package's ResNet18.onnx once (63 MB) into torchvision-named weights, and opens it in ONNX Runtime
/// (CPU, graph optimisations off, so the BN nodes run unfolded) as the reference.
/// </summary>
public sealed class CntkResNet18Fixture : IAsyncLifetime
{
    public const string InputName = "Input247";
    public const string OutputName = "Pooling395_Output_0";

    private InferenceSession? _session;

    public PretrainedWeights Weights { get; private set; } = null!;

    public static string PreprocessPath =>
        Path.Combine(AppContext.BaseDirectory, "DnnImageModels", "ResNetPrepOnnx", "ResNetPreprocess.onnx");

    public async Task InitializeAsync()
    {
        Weights = await ResNetWeightsImporter.ReadCntkResNet18Async();
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
        _session = new InferenceSession(ResNetWeightsImporter.DefaultCntkResNet18Path, options);
    }

    /// <param name="preprocessed">[1, 3, 224, 224] planar BGR, mean subtracted</param>
    /// <returns>[512] pooled features</returns>
    public float[] RunReference(float[] preprocessed)
    {
        using var input = OrtValue.CreateTensorValueFromMemory(preprocessed, [1, 3, 224, 224]);
        using var runOptions = new RunOptions();
        using var outputs = _session!.Run(runOptions, [InputName], [input], [OutputName]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    public Task DisposeAsync()
    {
        _session?.Dispose();
        return Task.CompletedTask;
    }
}
