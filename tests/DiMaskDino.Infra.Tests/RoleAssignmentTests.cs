using System.Text.RegularExpressions;

namespace DiMaskDino.Infra.Tests;

/// <summary>
/// Least privilege: the deployment's role assignments, read from Bicep's snapshot with their scopes resolved, are
/// exactly the table below. A new or widened grant fails here until the table (and the README's "Deploy to Azure" section) say why.
/// </summary>
[Collection(DeploymentCollection.Name)]
public sealed partial class RoleAssignmentTests(DeploymentFixture fixture)
{
    // The test's own copy of the built-in role ids (learn.microsoft.com/azure/role-based-access-control/built-in-roles),
    // independent of the template's map, so a wrong GUID there shows up as a wrong role here.
    private static readonly Dictionary<string, string> RoleNames = new()
    {
        ["2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"] = "Storage Blob Data Reader",
        ["ba92f5b4-2d11-453d-a403-e96b0029c9fe"] = "Storage Blob Data Contributor",
        ["b7e6dc6d-f1e8-4753-8033-0f276bb0955b"] = "Storage Blob Data Owner",
        ["974c5e8b-45b9-4653-ba55-5f855dd0fb88"] = "Storage Queue Data Contributor",
        ["4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0"] = "Azure Service Bus Data Receiver",
        ["69a216fc-b8fb-44d8-bc22-1f3c2cd27a39"] = "Azure Service Bus Data Sender",
        ["090c5cfd-751d-490a-894a-3ce6f1109419"] = "Azure Service Bus Data Owner",
        ["7f951dda-4ed3-4680-a7ca-43fe172d538d"] = "AcrPull",
    };

    // principal | scope | role
    private static readonly string[] Expected =
    [
        "functions | container images | Storage Blob Data Contributor",
        "functions | container models | Storage Blob Data Reader",
        "functions | container datasets | Storage Blob Data Reader",
        "functions | container jobs | Storage Blob Data Contributor",
        "functions | container labels | Storage Blob Data Reader",
        "functions | container reports | Storage Blob Data Contributor",
        "functions | queue shards | Azure Service Bus Data Sender",
        "functions | queue shards | Azure Service Bus Data Receiver",
        "functions | queue finalize | Azure Service Bus Data Sender",
        "functions | queue finalize | Azure Service Bus Data Receiver",
        "functions | storage queue webjobs-blobtrigger-poison | Storage Queue Data Contributor",
        "functions | host storage account | Storage Blob Data Owner",
        "functions | host storage account | Storage Queue Data Contributor",
        "worker | container images | Storage Blob Data Reader",
        "worker | container models | Storage Blob Data Reader",
        "worker | container datasets | Storage Blob Data Reader",
        "worker | container jobs | Storage Blob Data Contributor",
        "worker | container labels | Storage Blob Data Contributor",
        "worker | container reports | Storage Blob Data Contributor",
        "worker | queue shards | Azure Service Bus Data Receiver",
        "worker | queue finalize | Azure Service Bus Data Receiver",
        "worker | queue finalize | Azure Service Bus Data Sender",
        "worker | registry | AcrPull",
        "training | container datasets | Storage Blob Data Reader",
        "training | container models | Storage Blob Data Contributor",
        "training | registry | AcrPull",
        "scaler | queue shards | Azure Service Bus Data Owner",
        "scaler | queue finalize | Azure Service Bus Data Owner",
        "deployer | container images | Storage Blob Data Contributor",
        "deployer | container models | Storage Blob Data Contributor",
        "deployer | container datasets | Storage Blob Data Contributor",
        "deployer | container labels | Storage Blob Data Reader",
        "deployer | container reports | Storage Blob Data Reader",
    ];

    [Theory]
    [InlineData(Profile.Dev)]
    [InlineData(Profile.Prod)]
    public void Role_assignments_are_exactly_the_least_privilege_table(Profile profile)
    {
        var actual = Grants(fixture.Snapshot(profile));
        Assert.Equal(Expected.Order(StringComparer.Ordinal), actual.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Workload_identities_are_service_principals_and_the_deployer_a_user()
    {
        var assignments = fixture.Snapshot(Profile.Dev).OfType("Microsoft.Authorization/roleAssignments").ToList();
        Assert.All(assignments, assignment =>
        {
            var principalId = (string)assignment["properties"]!["principalId"]!;
            var expectedType = principalId == BicepWorkspace.DeployerPrincipalId ? "User" : "ServicePrincipal";
            Assert.Equal(expectedType, (string?)assignment["properties"]!["principalType"]);
        });
    }

    [Fact]
    public void Assignment_names_are_deterministic_per_scope_principal_and_role()
    {
        var names = fixture.Snapshot(Profile.Dev).OfType("Microsoft.Authorization/roleAssignments")
            .Select(assignment => (string)assignment["name"]!).ToList();
        Assert.All(names, name => Assert.True(Guid.TryParse(name, out _), name));
        Assert.Equal(names.Count, names.Distinct().Count());
        // Same inputs, same names: the dev and prod snapshots share the subscription and environment token rules,
        // so a second snapshot of dev must give identical names (re-deploying never duplicates an assignment).
        Assert.Equal(names.Order(), fixture.Snapshot(Profile.Dev).OfType("Microsoft.Authorization/roleAssignments")
            .Select(assignment => (string)assignment["name"]!).Order());
    }

    [Fact]
    public async Task A_widened_grant_fails_the_table()
    {
        using var workspace = new BicepWorkspace();
        const string workerImages = "  worker: {\n    blobs: [\n      { container: 'images', role: 'Storage Blob Data Reader' }";
        workspace.Edit("access.bicep", workerImages, workerImages.Replace("Reader", "Contributor", StringComparison.Ordinal));

        var widened = Grants(new DeploymentSnapshot(await workspace.SnapshotAsync("dev.bicepparam")));

        Assert.Equal(["worker | container images | Storage Blob Data Contributor"], widened.Except(Expected));
        Assert.Equal(["worker | container images | Storage Blob Data Reader"], Expected.Except(widened));
    }

    /// <summary>Every role assignment as "principal | scope | role", with anything unexpected spelled out in full.</summary>
    private static List<string> Grants(DeploymentSnapshot snapshot) =>
        snapshot.OfType("Microsoft.Authorization/roleAssignments").Select(assignment =>
        {
            var id = (string)assignment["id"]!;
            var scope = id[..id.IndexOf("/providers/Microsoft.Authorization/roleAssignments/", StringComparison.Ordinal)];
            var principalId = (string)assignment["properties"]!["principalId"]!;
            var roleId = ((string)assignment["properties"]!["roleDefinitionId"]!).Split('/')[^1];
            return $"{Principal(principalId)} | {Scope(scope)} | {RoleNames.GetValueOrDefault(roleId, $"unknown role {roleId}")}";
        }).ToList();

    private static string Principal(string principalId)
    {
        if (principalId == BicepWorkspace.DeployerPrincipalId)
        {
            return "deployer";
        }

        var match = IdentityReference().Match(principalId);
        return match.Success ? match.Groups["workload"].Value : $"unknown principal {principalId}";
    }

    private static string Scope(string scope)
    {
        foreach (var (pattern, format) in ScopePatterns)
        {
            var match = pattern.Match(scope);
            if (match.Success)
            {
                return string.Format(System.Globalization.CultureInfo.InvariantCulture, format, match.Groups["name"].Value);
            }
        }

        return $"unexpected scope {scope}";
    }

    private static readonly (Regex Pattern, string Format)[] ScopePatterns =
    [
        (new Regex(@"/providers/Microsoft\.Storage/storageAccounts/st[a-z0-9]{13}/blobServices/default/containers/(?<name>[a-z-]+)$"), "container {0}"),
        (new Regex(@"/providers/Microsoft\.Storage/storageAccounts/st[a-z0-9]{13}/queueServices/default/queues/(?<name>[a-z-]+)$"), "storage queue {0}"),
        (new Regex(@"/providers/Microsoft\.ServiceBus/namespaces/sb-[a-z0-9]{13}/queues/(?<name>[a-z-]+)$"), "queue {0}"),
        (new Regex(@"/providers/Microsoft\.Storage/storageAccounts/st[a-z0-9]{13}host(?<name>)$"), "host storage account"),
        (new Regex(@"/providers/Microsoft\.ContainerRegistry/registries/cr[a-z0-9]{13}(?<name>)$"), "registry"),
    ];

    [GeneratedRegex(@"^\[reference\('[^']*/providers/Microsoft\.ManagedIdentity/userAssignedIdentities/id-(?<workload>[a-z]+)-[a-z0-9]{13}', '[^']+'\)\.principalId\]$")]
    private static partial Regex IdentityReference();
}
