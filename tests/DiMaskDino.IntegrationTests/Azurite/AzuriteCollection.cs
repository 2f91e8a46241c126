namespace DiMaskDino.IntegrationTests.Azurite;

/// <summary>The test collection that shares one <see cref="AzuriteFixture"/>; its tests run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
