using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DiMaskDino.TestSupport;

namespace DiMaskDino.Infra.Tests;

/// <summary>
/// A private copy of the repository's bicep/ folder, so builds and snapshots (which write next to their inputs)
/// never touch the work tree, and so a test can change a file to show that a check catches the change.
/// </summary>
internal sealed partial class BicepWorkspace : IDisposable
{
    /// <summary>Fixed deployment context for snapshots: the values only have to be stable.</summary>
    public const string SubscriptionId = "00000000-0000-0000-0000-0000000000aa";
    public const string TenantId = "00000000-0000-0000-0000-0000000000bb";
    public const string DeployerPrincipalId = "00000000-0000-0000-0000-0000000000cc";
    public const string Location = "swedencentral";
    public const string WorkerImage = "crexample.azurecr.io/dimaskdino-worker:test";
    public const string TrainingImage = "crexample.azurecr.io/dimaskdino-training:test";

    private readonly TemporaryDirectory _directory = new("dimaskdino-bicep-");

    public BicepWorkspace()
    {
        CopyDirectory(Path.Combine(SharedFiles.RepositoryRoot, "bicep"), Root);
    }

    public string Root => _directory.File("bicep");

    public string File(string relativePath) => System.IO.Path.Combine(Root, relativePath);

    /// <summary>Replaces text in one file of the copy; fails when the text is not there (a stale test).</summary>
    public void Edit(string relativePath, string oldText, string newText)
    {
        var path = File(relativePath);
        var content = System.IO.File.ReadAllText(path);
        Assert.Contains(oldText, content);
        System.IO.File.WriteAllText(path, content.Replace(oldText, newText, StringComparison.Ordinal));
    }

    /// <summary>Builds every .bicep file of the copy (one CLI process) next to its source.</summary>
    public async Task<BuildResult> BuildAllAsync(CancellationToken cancellationToken = default)
    {
        var result = await CommandLine.RunAsync(BicepCli.Path, ["build", "--pattern", "**/*.bicep"], Root,
            cancellationToken: cancellationToken);
        return new BuildResult(result, ParseDiagnostics(result.StandardError));
    }

    /// <summary>Builds one .bicepparam file of the copy to JSON.</summary>
    public async Task<BuildResult> BuildParamsAsync(string parameterFile, CancellationToken cancellationToken = default)
    {
        var result = await CommandLine.RunAsync(BicepCli.Path, ["build-params", parameterFile, "--stdout"], Root,
            DeploymentEnvironment(), cancellationToken: cancellationToken);
        return new BuildResult(result, ParseDiagnostics(result.StandardError));
    }

    /// <summary>
    /// Bicep's deployment snapshot of one parameter file: every resource the deployment would create, with names,
    /// ids and scopes resolved and runtime values (principal ids, endpoints) left as reference() expressions.
    /// </summary>
    public async Task<JsonObject> SnapshotAsync(string parameterFile, CancellationToken cancellationToken = default)
    {
        var result = await CommandLine.RunAsync(BicepCli.Path,
        [
            "snapshot", parameterFile, "--mode", "overwrite", "--subscription-id", SubscriptionId,
            "--tenant-id", TenantId, "--location", Location, "--deployment-name", "dimaskdino-tests",
        ], Root, DeploymentEnvironment(), cancellationToken: cancellationToken);
        Assert.True(result.ExitCode == 0, $"bicep snapshot {parameterFile} failed: {result.Describe()}");
        Assert.Empty(ParseDiagnostics(result.StandardError));
        var path = File(System.IO.Path.ChangeExtension(parameterFile, ".snapshot.json"));
        return JsonNode.Parse(await System.IO.File.ReadAllTextAsync(path, cancellationToken))!.AsObject();
    }

    public void Dispose() => _directory.Dispose();

    // The variables the parameter files read (infra/deploy.sh sets them): fixed here, never inherited.
    private static Dictionary<string, string?> DeploymentEnvironment() => new()
    {
        ["AZURE_ENV_NAME"] = null,
        ["AZURE_LOCATION"] = null,
        ["AZURE_PRINCIPAL_ID"] = DeployerPrincipalId,
        ["AZURE_PRINCIPAL_TYPE"] = "User",
        ["WORKER_IMAGE"] = WorkerImage,
        ["TRAINING_IMAGE"] = TrainingImage,
    };

    private static IReadOnlyList<Diagnostic> ParseDiagnostics(string standardError) =>
        standardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => (Line: line, Match: DiagnosticLine().Match(line)))
            .Select(x => x.Match.Success
                ? new Diagnostic(x.Match.Groups["file"].Value, int.Parse(x.Match.Groups["line"].Value),
                    x.Match.Groups["level"].Value, x.Match.Groups["code"].Value, x.Match.Groups["message"].Value)
                // Anything else on stderr is a problem too (a crash, a config error): keep it whole.
                : new Diagnostic(string.Empty, 0, "Unparsed", string.Empty, x.Line))
            .ToList();

    private static void CopyDirectory(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var relative = System.IO.Path.GetRelativePath(source, file);
            // Compiled output a developer may have left next to the sources is not part of the input.
            if (relative.EndsWith(".json", StringComparison.Ordinal) && !relative.EndsWith("abbreviations.json", StringComparison.Ordinal)
                && !relative.EndsWith("bicepconfig.json", StringComparison.Ordinal))
            {
                continue;
            }

            var target = System.IO.Path.Combine(destination, relative);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
            System.IO.File.Copy(file, target);
        }
    }

    [GeneratedRegex(@"^(?<file>.+)\((?<line>\d+),(?<column>\d+)\) : (?<level>Error|Warning|Info) (?<code>[^:]+): (?<message>.*)$")]
    private static partial Regex DiagnosticLine();

    public sealed record Diagnostic(string File, int Line, string Level, string Code, string Message)
    {
        public override string ToString() => $"{System.IO.Path.GetFileName(File)}({Line}) {Level} {Code}: {Message}";
    }

    public sealed record BuildResult(CommandLine.Result Process, IReadOnlyList<Diagnostic> Diagnostics);
}
