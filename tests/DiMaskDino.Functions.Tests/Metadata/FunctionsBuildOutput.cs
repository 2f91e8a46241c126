using DiMaskDino.TestSupport;

namespace DiMaskDino.Functions.Tests.Metadata;

/// <summary>The Functions project's own build output, artifacts/bin/DiMaskDino.Functions/{configuration}/, the configuration being this test's own.</summary>
internal static class FunctionsBuildOutput
{
    public static string Folder
    {
        get
        {
            var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Name;
            return Path.Combine(SharedFiles.RepositoryRoot, "artifacts", "bin", "DiMaskDino.Functions", configuration);
        }
    }

    /// <summary>A file of the output; fails the test when it does not exist.</summary>
    public static string File(string name)
    {
        var file = Path.Combine(Folder, name);
        Assert.True(System.IO.File.Exists(file), $"{file} does not exist: build src/DiMaskDino.Functions first");
        return file;
    }
}
