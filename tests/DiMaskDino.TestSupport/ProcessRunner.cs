using System.Diagnostics;

namespace DiMaskDino.TestSupport;

/// <summary>Runs one of our executables (built next to the tests) as a child process, as a user would.</summary>
public static class ProcessRunner
{
    public sealed record Result(int ExitCode, string StandardOutput, string StandardError);

    /// <param name="assembly">file name of the host's dll next to the test binaries, e.g. <c>dimaskdino.dll</c></param>
    public static Result Run(string assembly, TimeSpan timeout, params string[] arguments) =>
        Run(assembly, timeout, new Dictionary<string, string>(), arguments);

    /// <param name="environment">variables set for the child on top of this process's</param>
    public static Result Run(string assembly, TimeSpan timeout, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, assembly));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{assembly} did not finish within {timeout}: {string.Join(' ', arguments)}");
        }

        return new Result(process.ExitCode, output.Result, error.Result);
    }
}

/// <summary>A fresh temporary folder, deleted on dispose.</summary>
public sealed class TemporaryDirectory : IDisposable
{
    public TemporaryDirectory(string prefix = "dimaskdino-tests-") => Path = Directory.CreateTempSubdirectory(prefix).FullName;

    public string Path { get; }

    public string File(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
