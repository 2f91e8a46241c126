using System.Text.Json.Nodes;

namespace DiMaskDino.Infra.Tests;

/// <summary>The control plane: Flex Consumption, identity-based host storage and deployment, hardened publishing.</summary>
[Collection(DeploymentCollection.Name)]
public sealed class FunctionsTests(DeploymentFixture fixture)
{
    [Fact]
    public void The_app_runs_dotnet_isolated_10_on_a_flex_consumption_plan()
    {
        var snapshot = fixture.Snapshot(Profile.Dev);
        var plan = snapshot.Single("Microsoft.Web/serverfarms");
        Assert.Equal("FC1", (string?)plan["sku"]!["name"]);
        Assert.Equal("FlexConsumption", (string?)plan["sku"]!["tier"]);

        var app = Site(snapshot);
        Assert.Equal("functionapp,linux", (string?)app["kind"]);
        Assert.Equal(plan["id"]!.ToString(), app["properties"]!["serverFarmId"]!.ToString());
        var runtime = app["properties"]!["functionAppConfig"]!["runtime"]!;
        Assert.Equal("dotnet-isolated", (string?)runtime["name"]);
        Assert.Equal("10.0", (string?)runtime["version"]);
    }

    [Fact]
    public void Host_storage_and_the_deployment_package_use_the_apps_identity()
    {
        var snapshot = fixture.Snapshot(Profile.Dev);
        var app = Site(snapshot);
        var identity = snapshot.IdentityId("functions");
        Assert.Equal([identity], DeploymentSnapshot.UserAssignedIdentities(app));

        var settings = Settings(app);
        Assert.DoesNotContain("AzureWebJobsStorage", settings.Keys); // no connection string form
        Assert.Equal("managedidentity", settings["AzureWebJobsStorage__credential"]);
        Assert.Contains(identity, settings["AzureWebJobsStorage__clientId"]);
        Assert.Contains("host'", settings["AzureWebJobsStorage__blobServiceUri"]); // the host account, not the data account
        Assert.Equal("managedidentity", settings["Storage__credential"]);
        Assert.Contains(identity, settings["ServiceBus__clientId"]);

        var storage = app["properties"]!["functionAppConfig"]!["deployment"]!["storage"]!;
        Assert.Equal("UserAssignedIdentity", (string?)storage["authentication"]!["type"]);
        Assert.Equal(identity, (string?)storage["authentication"]!["userAssignedIdentityResourceId"]);
    }

    [Fact]
    public void Settings_that_flex_consumption_rejects_are_absent()
    {
        var settings = Settings(Site(fixture.Snapshot(Profile.Dev)));
        Assert.DoesNotContain("FUNCTIONS_WORKER_RUNTIME", settings.Keys);
        Assert.DoesNotContain("FUNCTIONS_EXTENSION_VERSION", settings.Keys);
        Assert.DoesNotContain("WEBSITE_RUN_FROM_PACKAGE", settings.Keys);
    }

    [Fact]
    public void The_app_accepts_only_https_tls_1_2_and_no_basic_auth_publishing()
    {
        var snapshot = fixture.Snapshot(Profile.Dev);
        var app = Site(snapshot);
        Assert.True((bool)app["properties"]!["httpsOnly"]!);
        Assert.Equal("1.2", (string?)app["properties"]!["siteConfig"]!["minTlsVersion"]);
        Assert.Equal("Disabled", (string?)app["properties"]!["siteConfig"]!["ftpsState"]);
        var policies = snapshot.OfType("Microsoft.Web/sites/basicPublishingCredentialsPolicies").ToList();
        Assert.Equal(["ftp", "scm"], policies.Select(policy => ((string)policy["name"]!).Split('/')[^1]).Order());
        Assert.All(policies, policy => Assert.False((bool)policy["properties"]!["allow"]!));
    }

    internal static JsonObject Site(DeploymentSnapshot snapshot) => snapshot.Single("Microsoft.Web/sites");

    internal static Dictionary<string, string> Settings(JsonObject site) =>
        site["properties"]!["siteConfig"]!["appSettings"]!.AsArray()
            .ToDictionary(setting => (string)setting!["name"]!, setting => (string)setting!["value"]!);
}
