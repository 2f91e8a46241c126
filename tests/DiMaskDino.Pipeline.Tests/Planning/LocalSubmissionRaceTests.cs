using DiMaskDino.Pipeline.Storage;
using DiMaskDino.TestSupport;

namespace DiMaskDino.Pipeline.Tests.Planning;

/// <summary>The submission race on the local folder store (what <c>dimaskdino label</c> uses).</summary>
public sealed class LocalSubmissionRaceTests : SubmissionRaceContract, IDisposable
{
    private readonly TemporaryDirectory _root = new("dimaskdino-race-");

    protected override Task<IBlobStore> CreateStoreAsync() => Task.FromResult<IBlobStore>(new LocalFolderBlobStore(_root.File("store")));

    public void Dispose() => _root.Dispose();
}
