using DiMaskDino.TestSupport;

namespace DiMaskDino.Cli.Tests;

/// <summary>Runs the real <c>dimaskdino</c> executable as a child process.</summary>
internal static class CliRunner
{
    public static ProcessRunner.Result Run(params string[] arguments) =>
        ProcessRunner.Run("dimaskdino.dll", TimeSpan.FromMinutes(2), arguments);

    /// <summary>Runs with progress lines every 0.2 s (standard error is a pipe here, never a terminal).</summary>
    public static ProcessRunner.Result RunWithProgress(params string[] arguments) =>
        ProcessRunner.Run("dimaskdino.dll", TimeSpan.FromMinutes(2), new Dictionary<string, string> { ["DIMASKDINO_PROGRESS_SECONDS"] = "0.2" }, arguments);
}
