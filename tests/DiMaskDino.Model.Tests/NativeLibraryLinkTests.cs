using System.Diagnostics;

namespace DiMaskDino.Model.Tests;

/// <summary>
/// libtorch is half a gigabyte and nine output folders hold it; copied into each, one build of the suite took 12 GB and
/// CI ran out of disk. Directory.Build.props makes the build link it instead (docs/torchsharp-on-debian.md).
/// </summary>
public sealed class NativeLibraryLinkTests
{
    private static readonly string NativeFolder = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native");

    [Fact]
    public void Libtorch_in_the_output_is_a_link_not_a_second_copy()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var libtorch = new FileInfo(Path.Combine(NativeFolder, "libtorch_cpu.so"));
        Assert.True(libtorch.Exists, $"{libtorch.FullName} is missing");
        bool isSymbolicLink = libtorch.LinkTarget is not null;
        Assert.True(isSymbolicLink || HardLinkCount(libtorch.FullName) >= 2,
            $"{libtorch.FullName} is a plain copy ({libtorch.Length:N0} bytes); the build should link it");
    }

    private static int HardLinkCount(string path)
    {
        var start = new ProcessStartInfo("stat", ["-c", "%h", path]) { RedirectStandardOutput = true, UseShellExecute = false };
        using var stat = Process.Start(start)!;
        string output = stat.StandardOutput.ReadToEnd();
        stat.WaitForExit();
        Assert.Equal(0, stat.ExitCode);
        return int.Parse(output.Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
