using System.CommandLine;
using DiMaskDino.Inference.Runtime;

namespace DiMaskDino.Cli.Commands;

/// <summary><c>--provider cpu|cuda</c>, shared by <c>label</c> and <c>predict</c>; values in lower case as documented.</summary>
internal static class ProviderOption
{
    public static Option<ExecutionProvider> Create() => LowerCaseEnum.Option(
        "--provider", ExecutionProvider.Cuda, "Execution provider: cuda (falls back to the CPU when CUDA is unavailable) or cpu.");
}
