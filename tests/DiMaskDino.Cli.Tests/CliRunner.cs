using System.Diagnostics;

namespace DiMaskDino.Cli.Tests;

/// <summary>Runs the real <c>dimaskdino</c> executable (built next to the tests) as a child process.</summary>
internal static class CliRunner
{
    public sealed record Result(int ExitCode, string StandardOutput, string StandardError);

    public static Result Run(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "dimaskdino.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("dimaskdino did not finish within 2 minutes: " + string.Join(' ', arguments));
        }

        return new Result(process.ExitCode, output.Result, error.Result);
    }
}
