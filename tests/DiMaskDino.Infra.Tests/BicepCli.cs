using System.Reflection;

namespace DiMaskDino.Infra.Tests;

/// <summary>
/// The Bicep CLI restored from the NuGet package Azure.Bicep.CommandLine.linux-x64 (PackageDownload; the path is
/// baked into this assembly's metadata at build time).
/// </summary>
internal static class BicepCli
{
    private static readonly Lazy<string> Executable = new(Locate);

    public static string Path => Executable.Value;

    private static string Locate()
    {
        var path = typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(attribute => attribute.Key == "BicepCli").Value
            ?? throw new InvalidOperationException("the BicepCli assembly metadata is empty");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The Bicep CLI is not at {path}; restore the Infra.Tests project.", path);
        }

        // The package is the linux-x64 build; NuGet extracts its files without guaranteeing the executable bit.
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("The infrastructure tests run the linux-x64 Bicep CLI: run them on Linux.");
        }

        var mode = File.GetUnixFileMode(path);
        if ((mode & UnixFileMode.UserExecute) == 0)
        {
            File.SetUnixFileMode(path, mode | UnixFileMode.UserExecute);
        }

        return path;
    }
}
