// Why probe: when ORT's CUDA provider library cannot load its dependencies, ORT writes an "[E:onnxruntime ...]" line
// to the process's stderr through its default logger before AppendExecutionProvider_CUDA returns the failure; session
// log levels do not reach that logger, and raising the process-wide OrtEnv level would hide real errors too. Checking
// the libraries first lets ModelSession fall back with its own one-line warning and no native noise.

using System.Runtime.InteropServices;

namespace DiMaskDino.Inference.Runtime;

/// <summary>The shared libraries ORT 1.31's CUDA execution provider loads on Linux (CUDA 13, cuDNN 9, the driver).</summary>
internal static class CudaLibraries
{
    /// <summary>
    /// libonnxruntime_providers_cuda.so's DT_NEEDED CUDA entries (readelf -d), plus cuDNN, which ORT opens at run time.
    /// The driver comes first: without it there is no GPU whatever else is installed.
    /// </summary>
    public static IReadOnlyList<string> Linux { get; } =
        ["libcuda.so.1", "libcudart.so.13", "libcublas.so.13", "libcublasLt.so.13", "libcurand.so.10", "libcudnn.so.9"];

    /// <summary>The first of <paramref name="libraries"/> the dynamic loader cannot open, or null when all load (or not on Linux).</summary>
    public static string? FirstMissing(IReadOnlyList<string>? libraries = null)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        foreach (var library in libraries ?? Linux)
        {
            if (!NativeLibrary.TryLoad(library, out var handle))
            {
                return library;
            }

            NativeLibrary.Free(handle);
        }

        return null;
    }
}
