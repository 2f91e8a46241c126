namespace DiMaskDino.Infra.Tests;

/// <summary>The Bicep CLI from NuGet builds every template and both parameter files with zero errors and warnings.</summary>
[Collection(DeploymentCollection.Name)]
public sealed class BicepBuildTests(DeploymentFixture fixture)
{
    [Fact]
    public void Every_bicep_file_builds_with_no_errors_and_no_linter_warnings()
    {
        Assert.True(fixture.Build.Process.ExitCode == 0, fixture.Build.Process.Describe());
        Assert.True(fixture.Build.Diagnostics.Count == 0, string.Join('\n', fixture.Build.Diagnostics));

        var sources = Directory.EnumerateFiles(fixture.Workspace.Root, "*.bicep", SearchOption.AllDirectories).ToList();
        Assert.Contains(sources, path => path.EndsWith("/main.bicep", StringComparison.Ordinal));
        Assert.True(sources.Count >= 10, $"expected main.bicep, access.bicep and the modules, found {sources.Count} files");
        Assert.All(sources, source => Assert.True(File.Exists(Path.ChangeExtension(source, ".json")), $"{source} was not compiled"));
    }

    [Theory]
    [InlineData(Profile.Dev)]
    [InlineData(Profile.Prod)]
    public void Parameter_files_build_with_no_errors_and_no_warnings(Profile profile)
    {
        var build = fixture.ParameterBuild(profile);
        Assert.True(build.Process.ExitCode == 0, build.Process.Describe());
        Assert.True(build.Diagnostics.Count == 0, string.Join('\n', build.Diagnostics));
        Assert.Contains("\"parametersJson\"", build.Process.StandardOutput);
    }

    [Fact]
    public void The_linter_runs_every_rule_as_a_warning()
    {
        var config = File.ReadAllText(fixture.Workspace.File("bicepconfig.json"));
        Assert.DoesNotContain("\"off\"", config);
        Assert.DoesNotContain("\"info\"", config);
        Assert.Contains("\"use-recent-api-versions\": { \"level\": \"warning\" }", config);
        Assert.Contains("\"no-unused-params\": { \"level\": \"warning\" }", config);
    }

    [Fact]
    public async Task A_linter_warning_is_reported_as_a_failure()
    {
        using var workspace = new BicepWorkspace();
        workspace.Edit("modules/monitoring.bicep", "param dailyQuotaGb int = 5",
            "param dailyQuotaGb int = 5\n\n@description('Optional. Not used anywhere.')\nparam forgotten string = 'x'");

        var build = await workspace.BuildAllAsync();

        Assert.Equal(0, build.Process.ExitCode); // the CLI itself succeeds on warnings...
        Assert.NotEmpty(build.Diagnostics); // ...so the check reads the diagnostics
        Assert.All(build.Diagnostics, warning => // (once for the module, once more where main.bicep compiles it in)
        {
            Assert.Equal("Warning", warning.Level);
            Assert.Equal("no-unused-params", warning.Code);
            Assert.EndsWith("monitoring.bicep", warning.File);
        });
    }
}
