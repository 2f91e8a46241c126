using System.Diagnostics;
using System.Text.Json;
using DiMaskDino.TestSupport;

namespace DiMaskDino.IntegrationTests.Azurite;

/// <summary>
/// Finds the repo-local Azurite (<c>&lt;repo&gt;/.tools/azurite</c>, gitignored) at the version pinned in
/// <c>tests/DiMaskDino.IntegrationTests/Azurite/azurite.version</c> (also read by <c>.ci/run</c>), and installs it with
/// npm when it is missing or at another version (other pinned npm packages the tests run go the same way). A lock file
/// keeps concurrent test processes from installing at once.
/// </summary>
internal static class AzuriteInstaller
{
    /// <summary>The installed package folder (<c>node_modules/azurite</c>).</summary>
    public static async Task<string> EnsureInstalledAsync(CancellationToken cancellationToken)
    {
        var root = SharedFiles.RepositoryRoot;
        var version = (await File.ReadAllTextAsync(Path.Combine(root, "tests", "DiMaskDino.IntegrationTests", "Azurite", "azurite.version"), cancellationToken)).Trim();
        return await EnsureNpmPackageAsync("azurite", version, Path.Combine(root, ".tools", "azurite"), cancellationToken);
    }

    /// <summary>Installs npm package <paramref name="name"/>@<paramref name="version"/> under <paramref name="prefix"/> unless it is there; returns its folder.</summary>
    public static async Task<string> EnsureNpmPackageAsync(string name, string version, string prefix, CancellationToken cancellationToken)
    {
        var package = Path.Combine(prefix, "node_modules", name);
        if (InstalledVersion(package) == version)
        {
            return package;
        }

        Directory.CreateDirectory(prefix);
        await using var installLock = await LockAsync(Path.Combine(prefix, ".install.lock"), cancellationToken);
        if (InstalledVersion(package) == version)
        {
            return package;
        }

        var npm = OperatingSystem.IsWindows() ? "npm.cmd" : "npm";
        var (exitCode, output) = await RunAsync(npm, ["install", "--prefix", prefix, $"{name}@{version}", "--no-audit", "--no-fund"], cancellationToken);
        if (exitCode != 0 || InstalledVersion(package) != version)
        {
            throw new InvalidOperationException(
                $"installing {name}@{version} into {prefix} with npm failed (exit code {exitCode}); the integration tests need Node.js 20+ and npm and access to the npm registry:\n{Tail(output)}");
        }

        return package;
    }

    /// <summary>The script of one of the package's commands (<c>azurite-blob</c>, <c>azurite-queue</c>), from its package.json.</summary>
    public static string ScriptOf(string package, string command)
    {
        using var json = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(package, "package.json")));
        var relative = json.RootElement.GetProperty("bin").GetProperty(command).GetString()
            ?? throw new InvalidOperationException($"{package}/package.json names no script for {command}");
        return Path.GetFullPath(Path.Combine(package, relative));
    }

    private static string? InstalledVersion(string package)
    {
        var manifest = Path.Combine(package, "package.json");
        if (!File.Exists(manifest))
        {
            return null;
        }

        using var json = JsonDocument.Parse(File.ReadAllBytes(manifest));
        return json.RootElement.GetProperty("version").GetString();
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string program, string[] arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException(
                $"the integration tests run Azurite, an npm package, and need Node.js 20+ with npm on PATH ({program} was not found: {e.Message}); install them, e.g. `apt-get install nodejs npm`",
                e);
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            return (process.ExitCode, await output + await error);
        }
    }

    private static async Task<FileStream> LockAsync(string path, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(5);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(500, cancellationToken);
            }
        }
    }

    private static string Tail(string text) => text.Length <= 4000 ? text : text[^4000..];
}
