namespace DiMaskDino.Infra.Tests;

/// <summary>The namespace accepts Entra ID only; both queues dead-letter after the contract's delivery count.</summary>
[Collection(DeploymentCollection.Name)]
public sealed class ServiceBusTests(DeploymentFixture fixture)
{
    [Theory]
    [InlineData(Profile.Dev)]
    [InlineData(Profile.Prod)]
    public void The_namespace_disables_shared_access_keys(Profile profile)
    {
        var properties = fixture.Snapshot(profile).Single("Microsoft.ServiceBus/namespaces")["properties"]!;
        Assert.True((bool)properties["disableLocalAuth"]!);
        Assert.Equal("1.2", (string?)properties["minimumTlsVersion"]);
    }

    [Theory]
    [InlineData(Profile.Dev)]
    [InlineData(Profile.Prod)]
    public void Shards_and_finalize_queues_dead_letter_after_five_deliveries_and_drop_duplicates(Profile profile)
    {
        var queues = fixture.Snapshot(profile).OfType("Microsoft.ServiceBus/namespaces/queues").ToList();
        Assert.Equal(["finalize", "shards"], queues.Select(queue => ((string)queue["name"]!).Split('/')[^1]).Order());
        Assert.All(queues, queue =>
        {
            var properties = queue["properties"]!;
            Assert.Equal(5, (int)properties["maxDeliveryCount"]!);
            Assert.Equal("PT5M", (string?)properties["lockDuration"]);
            Assert.True((bool)properties["deadLetteringOnMessageExpiration"]!);
            Assert.True((bool)properties["requiresDuplicateDetection"]!);
            Assert.Equal("P1D", (string?)properties["duplicateDetectionHistoryTimeWindow"]);
            Assert.False((bool)properties["requiresSession"]!);
        });
    }
}
