using System.Text.Json.Nodes;
using DiMaskDino.TestSupport;

namespace DiMaskDino.Infra.Tests;

/// <summary>
/// The `hardened` option (prod turns it on, dev leaves it off): storage, Service Bus and the registry only behind
/// private endpoints in a virtual network the Container Apps environment and the Functions app are integrated into,
/// and diagnostics from every resource to the Log Analytics workspace. Off, the deployment is what it was before
/// the option existed.
/// </summary>
[Collection(DeploymentCollection.Name)]
public sealed class HardeningTests(DeploymentFixture fixture)
{
    // Recorded from dev.bicepparam's snapshot before the option existed; a deliberate change to the dev shape
    // replaces this file (the failure message says with what).
    private static readonly string DevBaseline =
        Path.Combine(SharedFiles.RepositoryRoot, "tests", "DiMaskDino.Infra.Tests", "Baselines", "dev.predicted-resources.json");

    // Resources without a diagnostic setting of their own, and why. Anything else must have one.
    private static readonly Dictionary<string, string> WithoutOwnDiagnostics = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Microsoft.Resources/resourceGroups"] = "a container: its activity log is the subscription's",
        ["Microsoft.ManagedIdentity/userAssignedIdentities"] = "no resource logs or metrics (sign-ins are Entra ID logs)",
        ["Microsoft.Authorization/roleAssignments"] = "recorded in the activity log",
        ["Microsoft.Insights/diagnosticSettings"] = "the settings themselves",
        ["Microsoft.Insights/components"] = "workspace-based: its telemetry is stored in the workspace already",
        ["Microsoft.App/jobs"] = "its executions' console and system logs go through the environment's setting",
        ["Microsoft.Network/privateDnsZones"] = "no resource logs; queries are answered inside the network",
        ["Microsoft.Storage/storageAccounts/blobServices/containers"] = "covered by the blob service's setting",
        ["Microsoft.Storage/storageAccounts/queueServices/queues"] = "covered by the queue service's setting",
        ["Microsoft.Storage/storageAccounts/managementPolicies"] = "configuration of the account",
        ["Microsoft.ServiceBus/namespaces/queues"] = "covered by the namespace's setting",
        ["Microsoft.ContainerRegistry/registries/agentPools"] = "its task runs are logged by the registry's setting",
        ["Microsoft.Web/sites/basicPublishingCredentialsPolicies"] = "configuration of the app",
        ["Microsoft.Network/privateDnsZones/virtualNetworkLinks"] = "configuration of the zone",
        ["Microsoft.Network/privateEndpoints/privateDnsZoneGroups"] = "configuration of the endpoint",
    };

    [Fact]
    public void Dev_leaves_hardening_off_and_its_deployment_is_unchanged()
    {
        var expected = JsonNode.Parse(File.ReadAllText(DevBaseline))!;
        var actual = new JsonArray(fixture.Snapshot(Profile.Dev).Resources.Select(resource => resource.DeepClone()).ToArray());

        if (!JsonNode.DeepEquals(expected, actual))
        {
            var actualPath = Path.Combine(Path.GetTempPath(), $"dev.predicted-resources.{Guid.NewGuid():N}.json");
            File.WriteAllText(actualPath, actual.ToJsonString(new() { WriteIndented = true }));
            Assert.Fail($"the dev deployment differs from {DevBaseline}; if the change is meant, replace that file with {actualPath}");
        }
    }

    [Fact]
    public void Dev_keeps_public_endpoints_and_prod_closes_them()
    {
        var dev = fixture.Snapshot(Profile.Dev);
        Assert.Empty(dev.OfType("Microsoft.Network/virtualNetworks"));
        Assert.Empty(dev.OfType("Microsoft.Network/privateEndpoints"));
        Assert.All(PrivateDataPlane(dev), resource => Assert.Equal("Enabled", (string?)resource["properties"]!["publicNetworkAccess"]));

        var prod = PrivateDataPlane(fixture.Snapshot(Profile.Prod)).ToList();
        Assert.Equal(4, prod.Count); // data account, host account, namespace, registry
        Assert.All(prod, resource => Assert.Equal("Disabled", (string?)resource["properties"]!["publicNetworkAccess"]));
    }

    [Fact]
    public void Hardened_storage_denies_by_default_and_service_bus_and_the_registry_run_on_premium()
    {
        var prod = fixture.Snapshot(Profile.Prod);
        Assert.All(prod.OfType("Microsoft.Storage/storageAccounts"),
            account => Assert.Equal("Deny", (string?)account["properties"]!["networkAcls"]!["defaultAction"]));
        Assert.Equal("Premium", (string?)prod.Single("Microsoft.ServiceBus/namespaces")["sku"]!["name"]);
        Assert.Equal("Premium", (string?)prod.Single("Microsoft.ContainerRegistry/registries")["sku"]!["name"]);
    }

    [Fact]
    public void Every_private_resource_has_a_private_endpoint_per_sub_resource_with_its_dns_zone()
    {
        var prod = fixture.Snapshot(Profile.Prod);
        var privateEndpointSubnet = Subnet(prod, "private-endpoints");

        var endpoints = prod.OfType("Microsoft.Network/privateEndpoints").ToList();
        var connections = endpoints.Select(endpoint =>
        {
            Assert.Equal(privateEndpointSubnet, (string?)endpoint["properties"]!["subnet"]!["id"]);
            var connection = Assert.Single(endpoint["properties"]!["privateLinkServiceConnections"]!.AsArray())!["properties"]!;
            var groupId = (string)Assert.Single(connection["groupIds"]!.AsArray())!;
            return (Target: (string)connection["privateLinkServiceId"]!, GroupId: groupId, Endpoint: (string)endpoint["id"]!);
        }).ToList();

        var expected = prod.OfType("Microsoft.Storage/storageAccounts")
            .SelectMany(account => new[] { ((string)account["id"]!, "blob"), ((string)account["id"]!, "queue") })
            .Append(((string)prod.Single("Microsoft.ServiceBus/namespaces")["id"]!, "namespace"))
            .Append(((string)prod.Single("Microsoft.ContainerRegistry/registries")["id"]!, "registry"))
            .Order()
            .ToList();
        Assert.Equal(expected, connections.Select(connection => (connection.Target, connection.GroupId)).Order());

        // Each endpoint registers its name in the zone of its sub-resource, and every zone is linked to the network.
        // (The snapshot leaves names built from environment() as expressions; they are compared as written.)
        var network = (string)prod.Single("Microsoft.Network/virtualNetworks")["id"]!;
        var zones = prod.OfType("Microsoft.Network/privateDnsZones").Select(zone => (string)zone["id"]!).ToHashSet();
        Assert.Equal(4, zones.Count); // blob, queue, Service Bus, registry
        var zoneGroups = prod.OfType("Microsoft.Network/privateEndpoints/privateDnsZoneGroups").ToList();
        var zoneOfGroup = new Dictionary<string, string>
        {
            ["blob"] = "privatelink.blob.",
            ["queue"] = "privatelink.queue.",
            ["namespace"] = "privatelink.servicebus.windows.net",
            ["registry"] = "suffixes.acrLoginServer",
        };
        Assert.All(connections, connection =>
        {
            var group = Assert.Single(zoneGroups, group => ((string)group["id"]!).StartsWith(connection.Endpoint + "/", StringComparison.Ordinal));
            var zone = (string)Assert.Single(group["properties"]!["privateDnsZoneConfigs"]!.AsArray())!["properties"]!["privateDnsZoneId"]!;
            Assert.Contains(zone, zones);
            Assert.Contains(zoneOfGroup[connection.GroupId], zone);
        });
        var links = prod.OfType("Microsoft.Network/privateDnsZones/virtualNetworkLinks").ToList();
        Assert.Equal(zones.Count, links.Count);
        Assert.All(links, link =>
        {
            Assert.Equal(network, (string?)link["properties"]!["virtualNetwork"]!["id"]);
            Assert.False((bool)link["properties"]!["registrationEnabled"]!);
        });
    }

    [Fact]
    public void The_container_environment_and_the_functions_app_are_integrated_into_delegated_subnets()
    {
        var prod = fixture.Snapshot(Profile.Prod);

        var vnet = prod.Single("Microsoft.App/managedEnvironments")["properties"]!["vnetConfiguration"]!;
        Assert.Equal(Subnet(prod, "container-apps"), (string?)vnet["infrastructureSubnetId"]);
        Assert.True((bool)vnet["internal"]!); // nothing has ingress: no public load balancer
        Assert.Equal(Subnet(prod, "functions"), (string?)FunctionsTests.Site(prod)["properties"]!["virtualNetworkSubnetId"]);

        var subnets = prod.Single("Microsoft.Network/virtualNetworks")["properties"]!["subnets"]!.AsArray();
        foreach (var name in new[] { "container-apps", "functions" })
        {
            var subnet = subnets.Single(subnet => (string?)subnet!["name"] == name)!;
            var delegation = Assert.Single(subnet["properties"]!["delegations"]!.AsArray())!;
            Assert.Equal("Microsoft.App/environments", (string?)delegation["properties"]!["serviceName"]);
        }

        // Dev keeps the generated network and no integration.
        var dev = fixture.Snapshot(Profile.Dev);
        Assert.Null(dev.Single("Microsoft.App/managedEnvironments")["properties"]!["vnetConfiguration"]);
        Assert.Null(FunctionsTests.Site(dev)["properties"]!["virtualNetworkSubnetId"]);
    }

    [Fact]
    public void The_closed_registry_builds_images_on_an_agent_pool_inside_the_network()
    {
        var prod = fixture.Snapshot(Profile.Prod);
        var pool = prod.Single("Microsoft.ContainerRegistry/registries/agentPools");
        Assert.StartsWith((string)prod.Single("Microsoft.ContainerRegistry/registries")["id"]! + "/", (string)pool["id"]!);
        Assert.Equal(Subnet(prod, "registry-builds"), (string?)pool["properties"]!["virtualNetworkSubnetResourceId"]);
        Assert.Equal(0, (int)pool["properties"]!["count"]!); // deploy.sh scales it up only while building
        Assert.Equal(((string)pool["name"]!).Split('/')[^1], (string?)prod.Outputs["AZURE_CONTAINER_REGISTRY_AGENT_POOL"]);
        Assert.Equal("true", (string?)prod.Outputs["NETWORK_ISOLATED"]);
        Assert.Equal("false", (string?)fixture.Snapshot(Profile.Dev).Outputs["NETWORK_ISOLATED"]);
    }

    [Fact]
    public void Every_hardened_resource_sends_diagnostics_to_the_workspace()
    {
        var prod = fixture.Snapshot(Profile.Prod);
        var missing = ResourcesWithoutDiagnostics(prod);
        Assert.True(missing.Count == 0, "no diagnostic setting to the workspace: " + string.Join(", ", missing));

        // Dev sends only the environment's logs, as before.
        var dev = fixture.Snapshot(Profile.Dev).OfType("Microsoft.Insights/diagnosticSettings").ToList();
        Assert.Contains("/Microsoft.App/managedEnvironments/", (string)Assert.Single(dev)["id"]!);
    }

    [Fact]
    public async Task A_hardened_resource_without_diagnostics_is_caught()
    {
        using var workspace = new BicepWorkspace();
        workspace.Edit("modules/servicebus.bicep", "resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = if (!empty(diagnosticsWorkspaceId))",
            "resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = if (false && !empty(diagnosticsWorkspaceId))");

        var snapshot = new DeploymentSnapshot(await workspace.SnapshotAsync("prod.bicepparam"));

        Assert.Equal(["Microsoft.ServiceBus/namespaces"], ResourcesWithoutDiagnostics(snapshot).Select(id => id.Split("/providers/")[^1].Split('/')[..2]).Select(parts => string.Join('/', parts)));
    }

    private static List<string> ResourcesWithoutDiagnostics(DeploymentSnapshot snapshot)
    {
        var workspace = (string)snapshot.Single("Microsoft.OperationalInsights/workspaces")["id"]!;
        var settings = snapshot.OfType("Microsoft.Insights/diagnosticSettings")
            .Where(setting => (string?)setting["properties"]!["workspaceId"] == workspace)
            .Where(setting => Enabled(setting, "logs") + Enabled(setting, "metrics") > 0)
            .Select(setting => ((string)setting["id"]!).Split("/providers/Microsoft.Insights/diagnosticSettings/")[0])
            .ToHashSet(StringComparer.OrdinalIgnoreCase);

        return snapshot.Resources
            .Where(resource => !WithoutOwnDiagnostics.ContainsKey((string)resource["type"]!))
            .Select(resource => (string)resource["id"]!)
            .Where(id => !settings.Contains(id))
            .ToList();

        static int Enabled(JsonObject setting, string kind) =>
            setting["properties"]![kind]?.AsArray().Count(entry => (bool)entry!["enabled"]!) ?? 0;
    }

    /// <summary>The storage accounts, the Service Bus namespace and the registry: what hardening makes private.</summary>
    private static IEnumerable<JsonObject> PrivateDataPlane(DeploymentSnapshot snapshot) =>
        snapshot.OfType("Microsoft.Storage/storageAccounts")
            .Concat(snapshot.OfType("Microsoft.ServiceBus/namespaces"))
            .Concat(snapshot.OfType("Microsoft.ContainerRegistry/registries"));

    private static string Subnet(DeploymentSnapshot snapshot, string name) =>
        (string)snapshot.Single("Microsoft.Network/virtualNetworks")["id"]! + "/subnets/" + name;
}
