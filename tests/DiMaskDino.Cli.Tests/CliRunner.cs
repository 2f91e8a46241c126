using DiMaskDino.TestSupport;

namespace DiMaskDino.Cli.Tests;

/// <summary>Runs the real <c>dimaskdino</c> executable as a child process.</summary>
internal static class CliRunner
{
    public static ProcessRunner.Result Run(params string[] arguments) =>
        ProcessRunner.Run("dimaskdino.dll", TimeSpan.FromMinutes(2), arguments);
}
