using System.Text.Json.Nodes;

namespace DiMaskDino.Infra.Tests;

/// <summary>
/// Builds the repository's templates once for all tests in the collection: every .bicep file, both parameter files,
/// and Bicep's deployment snapshots of the dev and prod profiles.
/// </summary>
public sealed class DeploymentFixture : IAsyncLifetime
{
    private readonly BicepWorkspace _workspace = new();
    private readonly Dictionary<Profile, DeploymentSnapshot> _snapshots = [];
    private readonly Dictionary<Profile, BicepWorkspace.BuildResult> _parameterBuilds = [];

    internal BicepWorkspace.BuildResult Build { get; private set; } = null!;

    internal BicepWorkspace Workspace => _workspace;

    internal BicepWorkspace.BuildResult ParameterBuild(Profile profile) => _parameterBuilds[profile];

    internal DeploymentSnapshot Snapshot(Profile profile) => _snapshots[profile];

    /// <summary>The compiled main template (ARM JSON).</summary>
    internal JsonObject MainTemplate { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        // The machine has two cores: the template build and the two snapshots run side by side.
        var build = _workspace.BuildAllAsync();
        var dev = _workspace.SnapshotAsync("dev.bicepparam");
        var prod = _workspace.SnapshotAsync("prod.bicepparam");
        Build = await build;
        _snapshots[Profile.Dev] = new DeploymentSnapshot(await dev);
        _snapshots[Profile.Prod] = new DeploymentSnapshot(await prod);
        _parameterBuilds[Profile.Dev] = await _workspace.BuildParamsAsync("dev.bicepparam");
        _parameterBuilds[Profile.Prod] = await _workspace.BuildParamsAsync("prod.bicepparam");
        var main = _workspace.File("main.json");
        MainTemplate = System.IO.File.Exists(main)
            ? JsonNode.Parse(await System.IO.File.ReadAllTextAsync(main))!.AsObject()
            : [];
    }

    public Task DisposeAsync()
    {
        _workspace.Dispose();
        return Task.CompletedTask;
    }
}

public enum Profile
{
    Dev,
    Prod,
}

[CollectionDefinition(Name)]
public sealed class DeploymentCollection : ICollectionFixture<DeploymentFixture>
{
    public const string Name = "Deployment";
}
