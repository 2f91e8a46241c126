// Headless Chromium for the tests that check a static page renders (review.html). Installed as the Debian package
// (`apt-get install -y chromium`, as .ci/run does); where it is missing the test is skipped with the reason, except
// under CI (the CI variable set), where its absence is a failure.

using System.Diagnostics;
using Xunit;

namespace DiMaskDino.TestSupport;

public static class HeadlessChromium
{
    private static readonly string[] Names = ["chromium", "chromium-browser"];

    private static readonly Lazy<string?> Executable = new(() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .SelectMany(dir => Names.Select(name => Path.Combine(dir, name)))
            .FirstOrDefault(File.Exists));

    /// <summary>The chromium executable; skips the calling test where it is not installed (fails it under CI).</summary>
    public static string Require()
    {
        if (Executable.Value is { } path)
        {
            return path;
        }

        const string Reason = "chromium is not installed (apt-get install -y chromium)";
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")))
        {
            throw new InvalidOperationException(Reason + ", and CI is set: .ci/run installs it");
        }

        Skip.If(true, Reason);
        return "";
    }

    /// <summary>
    /// Loads <paramref name="file"/> as a file:// page in a fresh profile with networking features off, lets it run for
    /// <paramref name="virtualTime"/> of virtual time (page scripts and image loads settle), and returns the DOM as
    /// serialized HTML.
    /// </summary>
    public static string DumpDom(string file, TimeSpan virtualTime, TimeSpan timeout)
    {
        var chromium = Require();
        using var profile = new TemporaryDirectory("dimaskdino-chromium-");
        var start = new ProcessStartInfo(chromium)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", $"--user-data-dir={profile.Path}",
            $"--virtual-time-budget={(long)virtualTime.TotalMilliseconds}", "--dump-dom", new Uri(Path.GetFullPath(file)).AbsoluteUri,
        })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"chromium did not finish within {timeout} on {file}");
        }

        if (process.ExitCode != 0 || output.Result.Length == 0)
        {
            throw new InvalidOperationException($"chromium exited {process.ExitCode} on {file}:\n{error.Result}");
        }

        return output.Result;
    }
}
