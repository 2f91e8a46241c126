using DiMaskDino.IntegrationTests.Azurite;
using DiMaskDino.Pipeline.Tests.Fixtures;

namespace DiMaskDino.Functions.Tests.Azurite;

/// <summary>The tests of this assembly that share one Azurite (the integration tests' fixture) and the pipeline tests' tiny
/// random-weight model; they run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class FunctionsCollection : ICollectionFixture<AzuriteFixture>, ICollectionFixture<TinyModel>
{
    public const string Name = "Functions against Azurite";
}
