using System.Diagnostics;
using System.IO.Compression;
using DiMaskDino.TestSupport;

namespace DiMaskDino.IntegrationTests.Tooling;

/// <summary>
/// <c>dimaskdino</c> packs as a .NET tool and installs from the package as the README says. Slow (a Release build and a
/// ~330 MB package with ONNX Runtime's CUDA provider), hence an integration test.
/// </summary>
[Trait("Category", "Integration")]
public sealed class DotnetToolPackTests
{
    [Fact]
    public void The_cli_packs_as_a_dotnet_tool_that_installs_and_runs()
    {
        using var temp = new TemporaryDirectory();
        var packages = temp.File("packages");

        Run("pack", Path.Combine(SharedFiles.RepositoryRoot, "src", "DiMaskDino.Cli"), "-c", "Release", "-o", packages);
        var package = Assert.Single(Directory.GetFiles(packages, "DiMaskDino.Cli.*.nupkg"));
        using (var zip = ZipFile.OpenRead(package))
        {
            Assert.Contains(zip.Entries, e => e.FullName.EndsWith("/DotnetToolSettings.xml", StringComparison.Ordinal));
            Assert.Contains(zip.Entries, e => e.FullName.EndsWith("/dimaskdino.dll", StringComparison.Ordinal));
        }

        Run("tool", "install", "DiMaskDino.Cli", "--add-source", packages, "--tool-path", temp.File("tools"));
        var help = Run(temp.File("tools", "dimaskdino"), "--help");

        Assert.Contains("dimaskdino [command] [options]", help, StringComparison.Ordinal);
    }

    private static string Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program.Contains('/') ? program : "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (!program.Contains('/'))
        {
            start.ArgumentList.Add(program);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(15)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish within 15 minutes");
        }

        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)} exited {process.ExitCode}: {output.Result}{error.Result}");
        return output.Result;
    }
}
