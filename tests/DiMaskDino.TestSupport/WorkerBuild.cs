namespace DiMaskDino.TestSupport;

/// <summary>Where the <c>DiMaskDino.Worker</c> host is built, for tests that run it as a child process.</summary>
public static class WorkerBuild
{
    /// <summary>The Worker's build output of the running test build's configuration (a test project references the Worker to build it).</summary>
    public static string Assembly
    {
        get
        {
            var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Name;
            var dll = Path.Combine(SharedFiles.RepositoryRoot, "artifacts", "bin", "DiMaskDino.Worker", configuration, "DiMaskDino.Worker.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException($"DiMaskDino.Worker is not built ({dll}); build the test project, which references it", dll);
        }
    }
}
