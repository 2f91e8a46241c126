using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace DiMaskDino.Infra.Tests;

/// <summary>House style for Bicep (style.md, anchor 6), checked on the sources and the compiled templates.</summary>
[Collection(DeploymentCollection.Name)]
public sealed partial class BicepStyleTests(DeploymentFixture fixture)
{
    [Fact]
    public void Every_parameter_says_whether_it_is_required_or_optional()
    {
        var templates = CompiledTemplates().ToList();
        Assert.True(templates.Count >= 10);
        var parameters = templates
            .SelectMany(template => template.Json["parameters"]?.AsObject() ?? [], (template, parameter) =>
                (File: template.Name, Name: parameter.Key, Description: (string?)parameter.Value!["metadata"]?["description"]))
            .ToList();

        Assert.NotEmpty(parameters);
        Assert.All(parameters, parameter => Assert.True(
            parameter.Description is not null && RequiredOrOptional().IsMatch(parameter.Description),
            $"{parameter.File}: parameter {parameter.Name} has description '{parameter.Description}'"));
    }

    [Fact]
    public void Role_definitions_are_named_never_bare_guids_outside_the_role_map()
    {
        var sources = Directory.EnumerateFiles(fixture.Workspace.Root, "*.bicep", SearchOption.AllDirectories)
            .Where(path => !path.EndsWith("definitions.bicep", StringComparison.Ordinal))
            .ToDictionary(path => Path.GetFileName(path), File.ReadAllText);

        Assert.All(sources, source => Assert.False(Guid().IsMatch(source.Value), $"{source.Key} contains a bare GUID"));
        var assigningFiles = sources.Where(source => source.Value.Contains("Microsoft.Authorization/roleAssignments", StringComparison.Ordinal)).ToList();
        Assert.Equal(["data-access.bicep", "host-storage.bicep", "registry.bicep"], assigningFiles.Select(source => source.Key).Order());
        Assert.All(assigningFiles, source =>
        {
            Assert.Contains("builtInRoles[", source.Value.Replace("builtInRoles.AcrPull", "builtInRoles[", StringComparison.Ordinal));
            // guid(scope.id, principal, roleDefinitionId): deterministic, one name per scope, principal and role.
            Assert.Matches(@"name: guid\([^,]+\.id, [^,]+, subscriptionResourceId\('Microsoft\.Authorization/roleDefinitions'", source.Value);
        });
    }

    [Fact]
    public void Names_follow_the_azd_resource_token()
    {
        var snapshot = fixture.Snapshot(Profile.Dev);
        var group = snapshot.Single("Microsoft.Resources/resourceGroups");
        Assert.Equal("rg-dimaskdino-dev", (string?)group["name"]);
        Assert.Equal("dimaskdino-dev", (string?)group["tags"]!["azd-env-name"]);

        var token = ((string)snapshot.Single("Microsoft.ServiceBus/namespaces")["name"]!)["sb-".Length..];
        Assert.Matches("^[a-z0-9]{13}$", token);
        foreach (var name in new[] { $"st{token}", $"st{token}host" })
        {
            Assert.Contains(snapshot.OfType("Microsoft.Storage/storageAccounts"), account => (string?)account["name"] == name);
        }

        Assert.Equal($"cr{token}", (string?)snapshot.Single("Microsoft.ContainerRegistry/registries")["name"]);
        Assert.Equal($"func-{token}", (string?)snapshot.Single("Microsoft.Web/sites")["name"]);
    }

    private IEnumerable<(string Name, JsonObject Json)> CompiledTemplates() =>
        Directory.EnumerateFiles(fixture.Workspace.Root, "*.json", SearchOption.AllDirectories)
            .Where(path => File.Exists(Path.ChangeExtension(path, ".bicep")))
            .Select(path => (Path.GetFileName(path), JsonNode.Parse(File.ReadAllText(path))!.AsObject()));

    [GeneratedRegex(@"^(Required|Optional)\. \S")]
    private static partial Regex RequiredOrOptional();

    [GeneratedRegex(@"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")]
    private static partial Regex Guid();
}
