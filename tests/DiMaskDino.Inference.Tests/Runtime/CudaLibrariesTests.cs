using DiMaskDino.Inference.Runtime;

namespace DiMaskDino.Inference.Tests.Runtime;

public sealed class CudaLibrariesTests(TinyOnnxModel tiny) : IClassFixture<TinyOnnxModel>
{
    [Fact]
    public void The_probe_names_the_first_library_the_loader_cannot_open()
    {
        Assert.Null(CudaLibraries.FirstMissing(["libc.so.6", "libm.so.6"]));
        Assert.Equal("libdimaskdino-absent.so.7", CudaLibraries.FirstMissing(["libc.so.6", "libdimaskdino-absent.so.7", "libm.so.6"]));
    }

    [Fact]
    public void Without_cuda_the_fallback_warning_names_the_missing_library_before_ort_tries_the_provider()
    {
        if (CudaLibraries.FirstMissing() is not { } missing)
        {
            return;  // a CUDA host: nothing falls back (the CUDA path is covered by the Gpu-trait tests there)
        }

        var logger = new ListLogger<ModelSession>();

        using var session = new ModelSession(tiny.Path, new InferenceOptions { PreferredProvider = ExecutionProvider.Cuda }, logger);

        Assert.Equal(ExecutionProvider.Cpu, session.Provider);
        var entry = Assert.Single(logger.Entries);
        Assert.Contains($"{missing} cannot be loaded", entry.Message, StringComparison.Ordinal);
    }
}
