namespace DiMaskDino.Cli.Tests;

/// <summary>Locates ../shared (golden data) and the repository root from the test binaries.</summary>
internal static class SharedFiles
{
    public static string GoldenCase(string name) => Path.Combine(GoldenRoot(), "cases", name);

    public static string GoldenRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (var candidate in new[] { Path.Combine(dir.FullName, "shared", "golden", "coco"), Path.Combine(dir.FullName, "..", "shared", "golden", "coco") })
            {
                if (File.Exists(Path.Combine(candidate, "rle.json")))
                {
                    return Path.GetFullPath(candidate);
                }
            }
        }

        throw new DirectoryNotFoundException("shared/golden/coco not found above " + AppContext.BaseDirectory);
    }

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DiMaskDino.Batch.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("DiMaskDino.Batch.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>A fresh temporary folder, deleted on dispose.</summary>
internal sealed class TemporaryDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("dimaskdino-tests-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
