namespace DiMaskDino.Functions.Tests.Metadata;

/// <summary>
/// The control plane never runs a model (it reads model metadata from the protobuf with DiMaskDino.Contracts), so its
/// package carries neither ONNX Runtime (~300 MB with the CUDA provider) nor ImageSharp nor the inference engine.
/// </summary>
public sealed class ControlPlaneDependencyTests
{
    private static readonly string[] Forbidden = ["onnxruntime", "SixLabors.ImageSharp", "DiMaskDino.Inference", "DiMaskDino.Pipeline.Processing"];

    [Fact]
    public void The_Functions_dependency_manifest_names_no_model_runtime()
    {
        var deps = File.ReadAllText(FunctionsBuildOutput.File("DiMaskDino.Functions.deps.json"));

        Assert.All(Forbidden, name => Assert.DoesNotContain(name, deps, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void The_Functions_build_output_holds_no_model_runtime_file()
    {
        var files = Directory.EnumerateFiles(FunctionsBuildOutput.Folder, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(FunctionsBuildOutput.Folder, f)).ToList();

        Assert.NotEmpty(files);
        Assert.DoesNotContain(files, f => Forbidden.Any(name => f.Contains(name, StringComparison.OrdinalIgnoreCase)));
    }
}
