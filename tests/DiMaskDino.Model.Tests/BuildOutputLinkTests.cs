using System.Diagnostics;

namespace DiMaskDino.Model.Tests;

/// <summary>
/// libtorch (half a gigabyte) and the ImageNet ResNet-18 sit in a dozen output folders; copied into each, one build of
/// the suite took 12 GB and CI ran out of disk. Directory.Build.props makes the build link them instead
/// (docs/torchsharp-on-debian.md).
/// </summary>
public sealed class BuildOutputLinkTests
{
    [Theory]
    [InlineData("runtimes/linux-x64/native/libtorch_cpu.so")]
    [InlineData("DnnImageModels/ResNet18Onnx/ResNet18.onnx")]
    public void A_large_file_in_the_output_is_a_link_not_a_second_copy(string relativePath)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var file = new FileInfo(Path.Combine(AppContext.BaseDirectory, relativePath));
        Assert.True(file.Exists, $"{file.FullName} is missing");
        bool isSymbolicLink = file.LinkTarget is not null;
        Assert.True(isSymbolicLink || HardLinkCount(file.FullName) >= 2,
            $"{file.FullName} is a plain copy ({file.Length:N0} bytes); the build should link it");
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
