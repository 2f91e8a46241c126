using DiMaskDino.TestSupport;

namespace DiMaskDino.Infra.Tests;

/// <summary>The shell scripts: shellcheck-clean, and deploy.sh refuses bad arguments before it touches Azure.</summary>
public sealed class ScriptTests
{
    private static readonly string Infra = Path.Combine(SharedFiles.RepositoryRoot, "infra");

    [SkippableFact]
    public async Task Every_script_passes_shellcheck()
    {
        var shellcheck = CommandLine.Find("shellcheck");
        // CI installs shellcheck (.ci/run), so there its absence is a failure; elsewhere the check is reported as
        // skipped (`apt-get install shellcheck` runs it), never as passed.
        Assert.False(shellcheck is null && !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")), "shellcheck is not installed on CI");
        Skip.If(shellcheck is null, "shellcheck is not installed (apt-get install shellcheck): the scripts were not checked");

        var scripts = Directory.EnumerateFiles(Infra, "*.sh", SearchOption.AllDirectories).Order().ToList();
        Assert.Superset(new HashSet<string?> { "azurite-start.sh", "azurite-stop.sh", "deploy.sh" },
            scripts.Select(Path.GetFileName).ToHashSet());

        var result = await CommandLine.RunAsync(shellcheck!, ["--severity=style", .. scripts], Infra);

        Assert.True(result.ExitCode == 0, result.Describe());
    }

    [Theory]
    [InlineData("--profile staging", "error: --profile must be dev or prod, got 'staging'")]
    [InlineData("--name -bad", "error: --name must be 1-40 letters, digits or hyphens")]
    [InlineData("--location West-Europe", "error: --location must be a region name such as swedencentral")]
    [InlineData("--model", "error: --model needs a path")]
    [InlineData("--frobnicate", "error: unknown argument '--frobnicate'")]
    public async Task Deploy_rejects_bad_arguments_with_a_one_line_reason_before_calling_azure(string arguments, string expected)
    {
        var result = await CommandLine.RunAsync("bash", [Path.Combine(Infra, "deploy.sh"), .. arguments.Split(' ')], Infra);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(expected, result.StandardError);
        // Stopped at the argument check, before the prerequisites (Azure CLI, login) are even looked at.
        Assert.DoesNotContain("Azure CLI", result.StandardError);
        Assert.DoesNotContain("not logged in", result.StandardError);
    }

    [Fact]
    public async Task Deploy_help_lists_the_what_if_mode_and_both_profiles()
    {
        var result = await CommandLine.RunAsync("bash", [Path.Combine(Infra, "deploy.sh"), "--help"], Infra);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("--what-if", result.StandardOutput);
        Assert.Contains("bicep/dev.bicepparam", result.StandardOutput);
        Assert.Contains("bicep/prod.bicepparam", result.StandardOutput);
    }

    [Fact]
    public void Deploy_is_strict_bash_and_uses_identity_auth_for_uploads()
    {
        var script = File.ReadAllText(Path.Combine(Infra, "deploy.sh"));
        Assert.StartsWith("#!/usr/bin/env bash", script);
        Assert.Contains("set -euo pipefail", script);
        Assert.Contains("az deployment sub create", script);
        Assert.Contains("az deployment sub what-if", script);
        Assert.Contains("az acr build", script);
        Assert.Contains("--auth-mode login", script);
        Assert.DoesNotContain("--account-key", script);
        Assert.DoesNotContain("connection-string", script);
        Assert.DoesNotContain("az storage account keys", script);
    }
}
