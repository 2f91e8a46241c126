namespace DiMaskDino.Inference.Runtime;

/// <summary>The ONNX Runtime execution provider a <see cref="ModelSession"/> runs on.</summary>
public enum ExecutionProvider
{
    /// <summary>NVIDIA CUDA (ORT 1.31 needs CUDA 13 and cuDNN 9); falls back to <see cref="Cpu"/> when unavailable.</summary>
    Cuda,

    /// <summary>The default CPU provider, always available.</summary>
    Cpu,
}
