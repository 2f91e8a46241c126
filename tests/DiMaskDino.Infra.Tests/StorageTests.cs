using System.Text.Json.Nodes;

namespace DiMaskDino.Infra.Tests;

/// <summary>Both storage accounts: private, Entra ID only, TLS 1.2, soft delete; the data account's layout and lifecycle.</summary>
[Collection(DeploymentCollection.Name)]
public sealed class StorageTests(DeploymentFixture fixture)
{
    private const string Account = "Microsoft.Storage/storageAccounts";

    [Theory]
    [InlineData(Profile.Dev)]
    [InlineData(Profile.Prod)]
    public void Storage_accounts_have_no_public_blob_access_no_shared_keys_and_require_tls_1_2(Profile profile)
    {
        var accounts = fixture.Snapshot(profile).OfType(Account).ToList();
        Assert.Equal(2, accounts.Count); // data + Functions host
        Assert.All(accounts, account =>
        {
            var properties = account["properties"]!;
            Assert.False((bool)properties["allowBlobPublicAccess"]!);
            Assert.False((bool)properties["allowSharedKeyAccess"]!);
            Assert.Equal("TLS1_2", (string?)properties["minimumTlsVersion"]);
            Assert.True((bool)properties["supportsHttpsTrafficOnly"]!);
            Assert.True((bool)properties["defaultToOAuthAuthentication"]!);
        });
    }

    [Theory]
    [InlineData(Profile.Dev)]
    [InlineData(Profile.Prod)]
    public void Deleted_blobs_and_containers_can_be_restored(Profile profile)
    {
        var services = fixture.Snapshot(profile).OfType($"{Account}/blobServices").ToList();
        Assert.Equal(2, services.Count);
        Assert.All(services, service =>
        {
            foreach (var policy in new[] { "deleteRetentionPolicy", "containerDeleteRetentionPolicy" })
            {
                Assert.True((bool)service["properties"]![policy]!["enabled"]!);
                Assert.InRange((int)service["properties"]![policy]!["days"]!, 1, 365);
            }
        });
    }

    [Fact]
    public void The_data_account_holds_the_six_containers_of_the_layout_all_private()
    {
        var snapshot = fixture.Snapshot(Profile.Dev);
        var dataAccount = (string)snapshot.OfType(Account).Single(IsDataAccount)["id"]!;

        var containers = snapshot.OfType($"{Account}/blobServices/containers")
            .Where(container => ((string)container["id"]!).StartsWith(dataAccount + "/", StringComparison.Ordinal))
            .ToList();
        Assert.Equal(
            ["datasets", "images", "jobs", "labels", "models", "reports"],
            containers.Select(container => ((string)container["name"]!).Split('/')[^1]).Order());
        Assert.All(containers, container => Assert.Equal("None", (string?)container["properties"]!["publicAccess"]));
    }

    [Theory]
    [InlineData(Profile.Dev, 14)]
    [InlineData(Profile.Prod, 90)]
    public void Old_job_folders_and_nothing_else_are_deleted_by_the_lifecycle_rule(Profile profile, int days)
    {
        var policy = fixture.Snapshot(profile).Single($"{Account}/managementPolicies");
        var rule = Assert.Single(policy["properties"]!["policy"]!["rules"]!.AsArray())!;
        Assert.True((bool)rule["enabled"]!);
        var definition = rule["definition"]!;
        Assert.Equal(["jobs/"], definition["filters"]!["prefixMatch"]!.AsArray().Select(node => (string)node!));
        Assert.Equal(days, (int)definition["actions"]!["baseBlob"]!["delete"]!["daysAfterModificationGreaterThan"]!);
        Assert.Null(definition["actions"]!["version"]);
    }

    [Fact]
    public void Production_data_is_zone_redundant()
    {
        Assert.Equal("Standard_LRS", Sku(Profile.Dev));
        Assert.Equal("Standard_ZRS", Sku(Profile.Prod));

        string Sku(Profile profile) =>
            (string)fixture.Snapshot(profile).OfType(Account).Single(IsDataAccount)["sku"]!["name"]!;
    }

    internal static bool IsDataAccount(JsonObject account) => !((string)account["name"]!).EndsWith("host", StringComparison.Ordinal);
}
