using DiMaskDino.IntegrationTests.Azurite;

namespace DiMaskDino.Functions.Tests.Azurite;

/// <summary>The tests of this assembly that share one Azurite (the integration tests' fixture); they run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class FunctionsCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Functions against Azurite";
}
