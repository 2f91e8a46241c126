using System.Diagnostics;

namespace DiMaskDino.TestSupport;

/// <summary>Directory entries .NET cannot create itself, made with the system's own tools (Linux).</summary>
public static class HostileFiles
{
    /// <summary>A named pipe at <paramref name="path"/> (opening it for reading blocks until a writer appears).</summary>
    public static void Fifo(string path) => Run("mkfifo", path);

    /// <summary>A small file in <paramref name="folder"/> whose name is byte 0xFF followed by <paramref name="suffix"/>: not valid UTF-8.</summary>
    public static void NonUtf8Name(string folder, string suffix) =>
        Run("sh", "-c", "printf 'x' > \"$1/$(printf '\\377')$2\"", "sh", folder, suffix);

    /// <summary>Removes what <see cref="NonUtf8Name"/> made (.NET cannot name that file to delete it).</summary>
    public static void RemoveNonUtf8Name(string folder, string suffix) =>
        Run("sh", "-c", "rm -f \"$1/$(printf '\\377')$2\"", "sh", folder, suffix);

    private static void Run(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool) { UseShellExecute = false, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} {string.Join(' ', arguments)} failed ({process.ExitCode}): {error}");
        }
    }
}
