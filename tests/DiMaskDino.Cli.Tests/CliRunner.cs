using DiMaskDino.TestSupport;

namespace DiMaskDino.Cli.Tests;

/// <summary>Runs the real <c>dimaskdino</c> executable as a child process.</summary>
internal static class CliRunner
{
    // Only catches a hang: an R50-size label run took over 2 minutes on a 2-core machine under heavy load.
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(6);

    public static ProcessRunner.Result Run(params string[] arguments) =>
        ProcessRunner.Run("dimaskdino.dll", HangGuard, arguments);

    /// <summary>Runs with progress lines every 0.2 s (standard error is a pipe here, never a terminal).</summary>
    public static ProcessRunner.Result RunWithProgress(params string[] arguments) =>
        ProcessRunner.Run("dimaskdino.dll", HangGuard, new Dictionary<string, string> { ["DIMASKDINO_PROGRESS_SECONDS"] = "0.2" }, arguments);
}
